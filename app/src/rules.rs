//! The detection rule explorer (`/rules`) and a rule's page (`/rules/{id}`): filter the rules by
//! tactic, technique, log source, severity, origin and state; admins import Sigma files and
//! enable or disable rules (the server refuses both to anyone else, and records each change).

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::charts::{self, Bar};
use crate::client;
use crate::contract::{RuleChange, RuleFile, RuleImportReport, RuleUpload};
use crate::format::{encode, short_time, signals_href};
use crate::rows::{RuleDetailData, RuleRow};
use crate::service::{rule_page, rules_page};

const SEVERITIES: [&str; 5] = ["critical", "high", "medium", "low", "info"];

fn explorer_href(id: &str) -> String {
    signals_href(&format!("@workflow.rule.id:{id}"), "30d")
}

fn fp_rate(rate: Option<f64>) -> String {
    rate.map_or_else(|| "–".to_owned(), |r| format!("{:.0}%", r * 100.0))
}

/// Why a rule does not run, or its Sigma status.
fn state_note(r: &RuleRow) -> String {
    match (&r.problem, r.evaluable) {
        (Some(problem), _) => problem.clone(),
        (None, false) => "the evaluator cannot run it".to_owned(),
        (None, true) => r.status.clone().unwrap_or_default(),
    }
}

#[component]
pub fn RulesPage() -> impl IntoView {
    let params = use_query_map();
    let get = move |name: &'static str| move || params.read().get(name).unwrap_or_default();
    let (tactic, technique, source, severity, origin, state) =
        (get("tactic"), get("technique"), get("source"), get("severity"), get("origin"), get("state"));
    let refresh = RwSignal::new(0u32);
    let message = RwSignal::new(None::<Result<String, String>>);
    // Kept here: the list below is drawn again after an import, the report must stay.
    let report = RwSignal::new(None::<RuleImportReport>);
    let data = Resource::new(
        move || (tactic(), technique(), source(), severity(), origin(), state(), refresh.get()),
        |(a, b, c, d, e, f, _)| rules_page(a, b, c, d, e, f),
    );
    view! {
        <Title text="Detection rules"/>
        <div class="page-header"><div class="page-heading"><h1>"Detection rules"</h1>
            <p class="page-subtitle">"The rules that run on every ingested log, imported from Sigma or shipped with Signalboard, with the ATT&CK techniques they cover."</p></div></div>
        <client::Notice message/>
        <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <p class="module-error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(data) => {
                    let shown = data.rules.len();
                    view! {
                        {data.admin.then(|| view! { <RuleImport refresh message report/> })}
                        <form class="query-form rule-filters" method="get" action="/rules">
                            <label>"Tactic"
                                <select name="tactic" data-testid="filter-tactic">
                                    <option value="">"any"</option>
                                    {data.tactics.iter().map(|(id, name)| {
                                        let id = id.clone();
                                        view! { <option value=id.clone() selected=move || tactic() == id>{name.clone()}</option> }
                                    }).collect_view()}
                                </select>
                            </label>
                            <label>"Technique" <input name="technique" placeholder="T1562" size="9" prop:value=technique/></label>
                            <label>"Log source"
                                <select name="source">
                                    <option value="">"any"</option>
                                    {data.sources.iter().map(|(id, name)| {
                                        let id = id.clone();
                                        view! { <option value=id.clone() selected=move || source() == id>{name.clone()}</option> }
                                    }).collect_view()}
                                </select>
                            </label>
                            <label>"Severity"
                                <select name="severity">
                                    <option value="">"any"</option>
                                    {SEVERITIES.map(|s| view! { <option value=s selected=move || severity() == s>{s}</option> })}
                                </select>
                            </label>
                            <label>"Origin"
                                <select name="origin">
                                    {[("", "any"), ("default", "default"), ("custom", "custom (imported)")].map(|(v, l)| view! { <option value=v selected=move || origin() == v>{l}</option> })}
                                </select>
                            </label>
                            <label>"State"
                                <select name="state" data-testid="filter-state">
                                    {[("", "any"), ("enabled", "enabled"), ("disabled", "disabled"), ("not-evaluable", "cannot run")].map(|(v, l)| view! { <option value=v selected=move || state() == v>{l}</option> })}
                                </select>
                            </label>
                            <button class="button" type="submit">"Filter"</button>
                            <a class="button ghost" href="/rules">"Clear"</a>
                        </form>
                        <p class="list-bar"><span><strong data-testid="rules-shown">{shown}</strong>{format!(" of {} rules", data.total)}</span></p>
                        {if data.rules.is_empty() {
                            view! { <p class="empty-state">"No rule matches these filters."</p> }.into_any()
                        } else {
                            let admin = data.admin;
                            view! {
                                <div class="table-scroll">
                                <table class="signal-table rule-table">
                                    <thead><tr><th>"Rule"</th><th>"Severity"</th><th>"State"</th><th>"Log source"</th><th>"ATT&CK"</th><th class="num">"Signals 30 d"</th><th class="num">"False positives"</th><th>"Notes"</th></tr></thead>
                                    <tbody>
                                        {data.rules.into_iter().map(|r| view! { <RuleLine r admin refresh message/> }).collect_view()}
                                    </tbody>
                                </table>
                                </div>
                            }.into_any()
                        }}
                    }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn RuleLine(r: RuleRow, admin: bool, refresh: RwSignal<u32>, message: client::Outcome) -> impl IntoView {
    let href = format!("/rules/{}", encode(&r.id));
    let attack = r
        .tactics
        .iter()
        .map(|(_, name)| name.clone())
        .chain(r.techniques.iter().map(|(id, name)| if name.is_empty() { id.clone() } else { format!("{id} {name}") }))
        .collect::<Vec<_>>()
        .join(" · ");
    let note = state_note(&r);
    let runnable = r.evaluable && r.problem.is_none();
    view! {
        <tr data-rule=r.id.clone() data-enabled=r.enabled.to_string()>
            <td><a href=href>{r.name.clone()}</a>{r.custom.then(|| view! { " " <span class="tag">"custom"</span> })}</td>
            <td><span class=format!("pill sev-{}", r.severity.as_str())>{r.severity.as_str()}</span></td>
            <td><ToggleRule id=r.id.clone() enabled=r.enabled runnable admin refresh message/></td>
            <td>{r.source.clone()}</td>
            <td class="rule-attack">{attack}</td>
            <td class="num"><a href=explorer_href(&r.id)>{r.signals_30d}</a></td>
            <td class="num">{fp_rate(r.false_positive_rate)}</td>
            <td class="muted rule-note">{note}</td>
        </tr>
    }
}

/// The rule's state, and for an admin the button that changes it.
#[component]
fn ToggleRule(id: String, enabled: bool, runnable: bool, admin: bool, refresh: RwSignal<u32>, message: client::Outcome) -> impl IntoView {
    let label = if enabled { "enabled" } else { "disabled" };
    let can_toggle = admin && (enabled || runnable);
    view! {
        <span class=if enabled { "rule-state on" } else { "rule-state off" }>{label}</span>
        {can_toggle.then(|| {
            let id = id.clone();
            view! {
                " " <button class="button ghost small" data-testid="toggle-rule" on:click=move |_| {
                    let id = id.clone();
                    let request = RuleChange { enabled: Some(!enabled), group_window_ms: None };
                    client::run(refresh, message, async move { client::change_rule(&id, &request).await }, |rule| {
                        format!("{} is now {}", rule.name, if rule.enabled { "enabled" } else { "disabled" })
                    });
                }>{if enabled { "Disable" } else { "Enable" }}</button>
            }
        })}
    }
}

/// An admin's upload of Sigma rule files.
#[component]
fn RuleImport(refresh: RwSignal<u32>, message: client::Outcome, report: RwSignal<Option<RuleImportReport>>) -> impl IntoView {
    let disabled = RwSignal::new(false);
    let input = NodeRef::<leptos::html::Input>::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(element) = input.get_untracked() else { return };
        busy.set(true);
        let disabled = disabled.get_untracked();
        leptos::task::spawn_local(async move {
            let outcome = match read_files(&element).await {
                Ok(files) => {
                    let upload = RuleUpload { files, disabled };
                    match upload.check() {
                        Ok(()) => client::import_rules(&upload).await,
                        Err(refusal) => Err(refusal),
                    }
                }
                Err(e) => Err(e),
            };
            busy.set(false);
            match outcome {
                Ok(answer) => {
                    message.set(Some(Ok(format!("Imported {} rules, updated {}", answer.imported, answer.updated))));
                    report.set(Some(answer));
                }
                Err(e) => message.set(Some(Err(e))),
            }
            refresh.update(|n| *n += 1);
        });
    };
    view! {
        <section class="admin-section rule-import">
            <h2>"Import Sigma rules"</h2>
            <form class="inline-form" on:submit=submit>
                <input type="file" multiple accept=".yml,.yaml" aria-label="Sigma rule files" data-testid="rule-files" node_ref=input required/>
                <label class="service-check"><input type="checkbox" on:change=move |ev| disabled.set(event_target_checked(&ev))/>" Import new rules disabled"</label>
                <button class="button primary" type="submit" disabled=move || busy.get()>"Import"</button>
            </form>
            <p class="admin-hint">"Or from the command line: "<code>"signalboard rules import PATH…"</code>". A rule already here (same Sigma id) is updated in place and keeps its state."</p>
            {move || report.get().map(|r| view! {
                <ul class="import-report" data-testid="import-report">
                    {r.lines().into_iter().map(|line| view! { <li>{line}</li> }).collect_view()}
                </ul>
            })}
        </section>
    }
}

#[cfg(feature = "hydrate")]
async fn read_files(input: &web_sys::HtmlInputElement) -> Result<Vec<RuleFile>, String> {
    let Some(list) = input.files() else { return Err("files: choose one or more Sigma rule files (.yml)".into()) };
    let mut files = Vec::new();
    for i in 0..list.length() {
        let Some(file) = list.item(i) else { continue };
        let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.map_err(|_| format!("{}: cannot be read", file.name()))?;
        files.push(RuleFile { name: file.name(), text: text.as_string().unwrap_or_default() });
    }
    Ok(files)
}

#[cfg(not(feature = "hydrate"))]
async fn read_files(_input: &web_sys::HtmlInputElement) -> Result<Vec<RuleFile>, String> {
    Err("files are read in the browser".into())
}

#[component]
pub fn RulePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let refresh = RwSignal::new(0u32);
    let message = RwSignal::new(None::<Result<String, String>>);
    let data = Resource::new(move || (id(), refresh.get()), |(id, _)| rule_page(id));
    view! {
        <Title text="Rule"/>
        <client::Notice message/>
        <Suspense fallback=|| view! { <div class="module-loading" aria-busy="true">"Loading…"</div> }>
            {move || data.get().map(|r| match r {
                Err(e) => view! { <p class="module-error" role="alert">{e.to_string()}</p> }.into_any(),
                Ok(None) => view! { <p class="empty-state">"There is no such rule. "<a href="/rules">"All rules"</a></p> }.into_any(),
                Ok(Some(d)) => view! { <RuleView d refresh message/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn RuleView(d: RuleDetailData, refresh: RwSignal<u32>, message: client::Outcome) -> impl IntoView {
    let r = d.row.clone();
    let runnable = r.evaluable && r.problem.is_none();
    let bars: Vec<Bar> = d
        .daily
        .iter()
        .enumerate()
        .map(|(k, (day, n))| Bar {
            // Every fifth day is named, so the labels stay readable.
            name: if k % 5 == 0 || k + 1 == d.daily.len() { day[5..].to_owned() } else { String::new() },
            value: *n as f64,
            href: None,
            key: None,
            title: format!("{day}: {n} signal{}", if *n == 1 { "" } else { "s" }),
        })
        .collect();
    let chart = charts::bars((900, 170), "Signals per day, last 30 days", &bars, charts::PALETTE[0]);
    let fp = if d.archived == 0 {
        "none archived yet".to_owned()
    } else {
        format!("{} of {} archived ({})", d.false_positives, d.archived, fp_rate(r.false_positive_rate))
    };
    let window = if d.group_window_ms % 3_600_000 == 0 { format!("{} h", d.group_window_ms / 3_600_000) } else { format!("{} min", d.group_window_ms / 60_000) };
    view! {
        <div class="page-header">
            <div class="page-heading">
                <p class="crumbs"><a href="/rules">"Detection rules"</a></p>
                <h1 data-testid="rule-name">{r.name.clone()}</h1>
                <p class="page-subtitle">
                    <span class=format!("pill sev-{}", r.severity.as_str())>{r.severity.as_str()}</span>" "
                    <ToggleRule id=r.id.clone() enabled=r.enabled runnable admin=d.admin refresh message/>
                    " · " <span class="mono">{r.id.clone()}</span>
                </p>
            </div>
        </div>
        {r.problem.clone().map(|p| view! { <p class="notice error" role="note" data-testid="rule-problem">{format!("This rule does not run: {p}.")}</p> })}
        <div class="rule-columns">
            <section class="admin-section">
                <h2>"About"</h2>
                {(!d.description.is_empty()).then(|| view! { <p>{d.description.clone()}</p> })}
                <dl>
                    <div class="kv"><dt>"Log source"</dt><dd>{r.source.clone()}{d.sigma_logsource.clone().map(|l| format!(" (Sigma: {l})"))}</dd></div>
                    <div class="kv"><dt>"Origin"</dt><dd>{if r.custom { "custom (imported)" } else { "default" }}</dd></div>
                    {r.status.clone().map(|s| view! { <div class="kv"><dt>"Sigma status"</dt><dd>{s}</dd></div> })}
                    {(!d.author.is_empty()).then(|| view! { <div class="kv"><dt>"Author"</dt><dd>{d.author.clone()}</dd></div> })}
                    <div class="kv"><dt>"Grouping"</dt><dd>
                        {format!("matches on one entity within {window} add to one signal")}
                        {d.admin.then(|| view! { <GroupWindow id=r.id.clone() minutes=d.group_window_ms / 60_000 refresh message/> })}
                    </dd></div>
                    <div class="kv"><dt>"Added"</dt><dd>{short_time(&d.created_at)}</dd></div>
                </dl>
                {(!d.references.is_empty()).then(|| view! {
                    <h3>"References"</h3>
                    <ul class="references">{d.references.iter().map(|link| view! { <li><a href=link.clone() rel="noreferrer noopener" target="_blank">{link.clone()}</a></li> }).collect_view()}</ul>
                })}
            </section>
            <section class="admin-section">
                <h2>"ATT&CK mapping"</h2>
                <dl>
                    <div class="kv"><dt>"Tactics"</dt><dd data-testid="rule-tactics">{r.tactics.iter().map(|(id, name)| format!("{id} {name}")).collect::<Vec<_>>().join(", ")}</dd></div>
                    <div class="kv"><dt>"Techniques"</dt><dd data-testid="rule-techniques">{r.techniques.iter().map(|(id, name)| format!("{id} {name}")).collect::<Vec<_>>().join(", ")}</dd></div>
                </dl>
                <h2>"Signals"</h2>
                <dl>
                    <div class="kv"><dt>"Last 30 days"</dt><dd><a href=explorer_href(&r.id) data-testid="rule-signals">{r.signals_30d}</a></dd></div>
                    <div class="kv"><dt>"Open, under review, archived"</dt><dd>{format!("{}, {}, {}", d.by_state[0], d.by_state[1], d.by_state[2])}</dd></div>
                    <div class="kv"><dt>"False positive rate"</dt><dd data-testid="rule-fp">{fp}</dd></div>
                </dl>
            </section>
        </div>
        <section class="admin-section">
            <div class="chart-box" data-testid="rule-daily" inner_html=chart></div>
        </section>
        {d.sigma_yaml.clone().map(|yaml| view! {
            <section class="admin-section">
                <h2>"Sigma source"</h2>
                <pre class="sigma-source" data-testid="sigma-source">{yaml}</pre>
            </section>
        })}
    }
}

/// An admin's setting of the rule's grouping window, in minutes.
#[component]
fn GroupWindow(id: String, minutes: i64, refresh: RwSignal<u32>, message: client::Outcome) -> impl IntoView {
    let value = RwSignal::new(minutes.to_string());
    view! {
        <form class="inline-form group-window" on:submit=move |ev| {
            ev.prevent_default();
            let Ok(minutes) = value.get_untracked().trim().parse::<i64>() else {
                message.set(Some(Err("group window: give a whole number of minutes".into())));
                return;
            };
            let request = RuleChange { enabled: None, group_window_ms: Some(minutes.saturating_mul(60_000)) };
            if let Err(refusal) = request.check() {
                message.set(Some(Err(refusal)));
                return;
            }
            let id = id.clone();
            client::run(refresh, message, async move { client::change_rule(&id, &request).await }, |rule| {
                format!("{} now groups matches within {} minutes", rule.name, rule.group_window_ms / 60_000)
            });
        }>
            <input type="number" min="1" max="10080" aria-label="Grouping window in minutes" data-testid="group-window" prop:value=value on:input=move |ev| value.set(event_target_value(&ev))/>
            " minutes " <button class="button ghost small" type="submit">"Set"</button>
        </form>
    }
}
