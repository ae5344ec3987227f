//! The admin page (`/admin`): invite users, change roles, deactivate accounts, create and revoke
//! API keys, and set the workflow webhook. The server refuses all of it to anyone but an admin.

use leptos::prelude::*;
use leptos_meta::Title;
use serde_json::json;

use analytics::Role;

use crate::client;
use crate::service::admin_overview;

#[component]
pub fn AdminPage() -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let data = Resource::new(move || refresh.get(), |_| admin_overview());
    let message = RwSignal::new(None::<Result<String, String>>);
    let act = move |method: &'static str, path: String, body: serde_json::Value, describe: fn(&serde_json::Value) -> String| {
        client::run(refresh, message, async move { client::send(method, &path, &body).await }, describe);
    };
    let (username, role) = (RwSignal::new(String::new()), RwSignal::new("analyst".to_owned()));
    let service = RwSignal::new(false);
    let key_name = RwSignal::new(String::new());
    let key_owner = RwSignal::new(String::new());
    let webhook = RwSignal::new(String::new());
    view! {
        <Title text="Admin"/>
        <div class="page-header"><div class="page-heading"><h1>"Admin"</h1>
            <p class="page-subtitle">"Users, roles, API keys and the workflow webhook."</p></div></div>
        <client::Notice message/>
        <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <p class="module-error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok((accounts, keys, current_webhook)) => {
                    webhook.set(current_webhook.unwrap_or_default());
                    let service_accounts: Vec<(i64, String)> = accounts.iter().filter(|a| a.service && a.active).map(|a| (a.id, a.username.clone())).collect();
                    view! {
                        <section class="admin-section">
                            <h2>"Users"</h2>
                            <form class="inline-form" on:submit=move |ev| {
                                ev.prevent_default();
                                act("POST", "/api/v1/users".into(), json!({ "username": username.get_untracked(), "role": role.get_untracked(), "service": service.get_untracked() }),
                                    |v| match v["password"].as_str() {
                                        Some(p) => format!("Invited {}. One-time password (shown only now; they choose their own at first sign-in): {p}", v["user"]["username"].as_str().unwrap_or("")),
                                        None => format!("Created the service account {}: create an API key that acts as it below.", v["user"]["username"].as_str().unwrap_or("")),
                                    });
                            }>
                                <input placeholder="username" aria-label="New username" required on:input=move |ev| username.set(event_target_value(&ev))/>
                                <select aria-label="New user's role" on:change=move |ev| role.set(event_target_value(&ev))>
                                    {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == Role::Analyst>{r.as_str()}</option> }).collect_view()}
                                </select>
                                <label class="service-check"><input type="checkbox" data-testid="service-account" on:change=move |ev| service.set(event_target_checked(&ev))/>" Service account (API keys only)"</label>
                                <button class="button primary" type="submit">"Invite"</button>
                            </form>
                            <table class="signal-table">
                                <thead><tr><th>"Username"</th><th>"Name"</th><th>"Role"</th><th>"Status"</th><th></th></tr></thead>
                                <tbody>
                                    {accounts.into_iter().map(|a| {
                                        let id = a.id;
                                        view! {
                                            <tr data-user=a.username.clone()>
                                                <td>{a.username.clone()}</td>
                                                <td>{a.display_name.clone()}</td>
                                                <td>
                                                    <select aria-label=format!("Role of {}", a.username) on:change=move |ev| {
                                                        act("PATCH", format!("/api/v1/users/{id}"), json!({ "role": event_target_value(&ev) }), |v| format!("{} is now {}", v["user"]["username"].as_str().unwrap_or(""), v["user"]["role"].as_str().unwrap_or("")));
                                                    }>
                                                        {Role::ALL.iter().map(|r| view! { <option value=r.as_str() selected=*r == a.role>{r.as_str()}</option> }).collect_view()}
                                                    </select>
                                                </td>
                                                <td>{if !a.active { "deactivated" } else if a.service { "service account" } else if a.can_sign_in { "active" } else { "active, no password" }}</td>
                                                <td>
                                                    <button class="button ghost" on:click=move |_| {
                                                        act("PATCH", format!("/api/v1/users/{id}"), json!({ "active": !a.active }), |v| format!("{} is now {}", v["user"]["username"].as_str().unwrap_or(""), if v["user"]["active"].as_bool() == Some(true) { "active" } else { "deactivated" }));
                                                    }>{if a.active { "Deactivate" } else { "Reactivate" }}</button>
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                        <section class="admin-section">
                            <h2>"API keys"</h2>
                            <form class="inline-form" on:submit=move |ev| {
                                ev.prevent_default();
                                let owner = key_owner.get_untracked().parse::<i64>().ok();
                                act("POST", "/api/v1/api-keys".into(), json!({ "name": key_name.get_untracked(), "user_id": owner }),
                                    |v| format!("Key created (shown only now): {}", v["key"].as_str().unwrap_or("")));
                            }>
                                <input placeholder="key name" aria-label="API key name" required on:input=move |ev| key_name.set(event_target_value(&ev))/>
                                <select aria-label="The key acts as" on:change=move |ev| key_owner.set(event_target_value(&ev))>
                                    <option value="" selected>"acts as me"</option>
                                    {service_accounts.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{format!("acts as {name} (service)")}</option> }).collect_view()}
                                </select>
                                <button class="button" type="submit">"Create key"</button>
                            </form>
                            <ul>
                                {keys.into_iter().map(|k| {
                                    let id = k.id;
                                    view! {
                                        <li>{format!("{} (user {}){}", k.name, k.user_id, if k.revoked { ", revoked" } else { "" })}
                                            {(!k.revoked).then(|| view! {
                                                " " <button class="button ghost" on:click=move |_| act("DELETE", format!("/api/v1/api-keys/{id}"), json!({}), |_| "Key revoked".to_owned())>"Revoke"</button>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        </section>
                        <section class="admin-section">
                            <h2>"Workflow webhook"</h2>
                            <form class="inline-form" on:submit=move |ev| {
                                ev.prevent_default();
                                act("PUT", "/api/v1/settings/webhook".into(), json!({ "url": webhook.get_untracked() }), |v| format!("Workflows now post to {}", v["url"].as_str().unwrap_or("")));
                            }>
                                <input class="query-input" type="url" placeholder="https://hooks.example.com/signalboard" aria-label="Webhook URL" prop:value=webhook on:input=move |ev| webhook.set(event_target_value(&ev))/>
                                <button class="button" type="submit">"Save"</button>
                            </form>
                        </section>
                    }.into_any()
                }
            })}
        </Suspense>
    }
}
