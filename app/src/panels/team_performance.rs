//! The team performance module (§4.10): signals taken, time to first response and to archive
//! (p50, p90, p99), archives by reason, reopen rate and open work, for the team and, for admins,
//! per analyst. Every figure leads to the signals it is computed over.

use analytics::overview::{Counted, PerformanceRow, TeamPerformance, TeamView};
use analytics::{ArchiveReason, Severity};
use leptos::prelude::*;

use super::common::{duration_change, empty, Change, Drill, Stat};
use crate::format::{duration, human, thousands};

/// The team's headline figures for the chosen severity, then a table: the team row, and one row
/// per analyst when the signed-in user is an admin (fetched separately: the module's data is
/// shared by every role and names nobody).
#[component]
pub(super) fn TeamPerformancePanel(d: TeamPerformance, drill: Drill, window: analytics::Window) -> impl IntoView {
    let severity = RwSignal::new(None::<Severity>);
    let user = crate::auth::use_current_user();
    let param = window.as_param();
    // Fetched in the browser once hydrated (panels render what they are given, so the server's
    // page and the hydrated one agree): the per-analyst rows for an admin, a note for others.
    let analysts = RwSignal::new(None::<Result<Vec<TeamView>, String>>);
    Effect::new(move |_| {
        let Some(user) = user.get() else { return };
        if !user.is_admin() {
            analysts.set(Some(Err("Per-analyst figures are shown to admins only.".to_owned())));
            return;
        }
        let param = param.clone();
        leptos::task::spawn_local(async move {
            let answer = crate::service::team_performance_by_analyst(param).await;
            analysts.set(Some(answer.map(|t| t.views).map_err(|e| format!("Per-analyst figures could not be loaded: {e}"))));
        });
    });
    let views = d.views.clone();
    let current = Memo::new(move |_| {
        let chosen = severity.get();
        views.iter().find(|v| v.severity == chosen).or(views.first()).cloned()
    });
    let headline = {
        let drill = drill.clone();
        move || current.get().map(|v| headline(v, &drill))
    };
    let table = move || {
        let drill = drill.clone();
        let chosen = severity.get();
        let team = current.get()?;
        let per_analyst: Option<Result<Vec<PerformanceRow>, String>> = analysts
            .get()
            .map(|answer| answer.map(|views| views.into_iter().find(|v| v.severity == chosen).map(|v| v.analysts).unwrap_or_default()));
        Some(view! {
            <div class="table-scroll" data-roving="" role="group" aria-label="Team performance table: arrow keys move between its links">
                <table class="mini-table team-table" data-testid="team-table" tabindex="0">
                    <thead>
                        <tr>
                            <th scope="col">"Analyst"</th>
                            <th scope="col" class="num">"Taken"</th>
                            <th scope="col" class="num" title="From detection to the first move out of open">"Response p50"</th>
                            <th scope="col" class="num">"p90"</th>
                            <th scope="col" class="num">"p99"</th>
                            <th scope="col" class="num" title="From detection to the archive, over the signals still archived">"Archive p50"</th>
                            <th scope="col" class="num">"p90"</th>
                            <th scope="col" class="num">"p99"</th>
                            <th scope="col">"Archived by reason"</th>
                            <th scope="col" class="num" title="Archived, then moved out of archived">"Reopened"</th>
                            <th scope="col" class="num" title="Not archived and assigned to them now">"Open now"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {row(team.team.clone(), &drill)}
                        {match per_analyst {
                            Some(Ok(rows)) => rows.into_iter().map(|r| row(r, &drill)).collect_view().into_any(),
                            Some(Err(note)) => view! {
                                <tr><td colspan="11" class="faint" data-testid="team-note">{note}</td></tr>
                            }.into_any(),
                            None => ().into_any(),
                        }}
                    </tbody>
                </table>
            </div>
        })
    };
    let anything = d.views.first().is_some_and(|v| v.team.taken.count + v.team.archived.count + v.team.open_assigned.count > 0);
    view! {
        <div class="module-toolbar">
            <label class="inline-field">
                "Severity "
                <select data-testid="team-severity" on:change=move |ev| {
                    let value = event_target_value(&ev);
                    severity.set(Severity::parse(&value).ok());
                }>
                    <option value="" selected=true>"All"</option>
                    {Severity::ALL.iter().map(|s| view! { <option value=s.as_str()>{s.as_str()}</option> }).collect_view()}
                </select>
            </label>
        </div>
        {headline}
        {(!anything).then(|| empty("Nobody took or archived a signal detected in this window."))}
        {table}
    }
}

/// The team's numbers for one severity filter, each compared with the previous window.
fn headline(v: TeamView, drill: &Drill) -> impl IntoView {
    let t = v.team;
    view! {
        <div class="stats">
            <a class="stat drill" href=drill.href(&t.taken.query) data-count=t.taken.count data-testid="team-taken">
                <span class="stat-label">"Signals taken"</span>
                <span class="stat-value">{thousands(t.taken.count as f64)}</span>
                <Change kpi=v.taken/>
            </a>
            <Stat label="First response p50" value=t.first_response.p50_ms.map(duration).unwrap_or_else(|| "–".into())
                change=duration_change(t.first_response.p50_ms, v.previous_first_response_p50_ms).into_any()/>
            <Stat label="Archive p50" value=t.to_archive.p50_ms.map(duration).unwrap_or_else(|| "–".into())
                change=duration_change(t.to_archive.p50_ms, v.previous_to_archive_p50_ms).into_any()/>
            <a class="stat drill" href=drill.href(&t.reopened.query) data-count=t.reopened.count data-testid="team-reopened">
                <span class="stat-label">"Reopen rate"</span>
                <span class="stat-value">{rate(t.reopen_rate_pct)}</span>
                <span class="change flat" title=format!("previous window: {}", rate(v.previous_reopen_rate_pct))>
                    {format!("{} of {}", thousands(t.reopened.count as f64), thousands(t.archived.count as f64))}
                </span>
            </a>
            <a class="stat drill" href=drill.href(&t.open_assigned.query) data-count=t.open_assigned.count data-testid="team-open">
                <span class="stat-label">"Open and assigned"</span>
                <span class="stat-value">{thousands(t.open_assigned.count as f64)}</span>
            </a>
        </div>
    }
}

fn rate(pct: Option<f64>) -> String {
    pct.map_or_else(|| "–".to_owned(), |p| format!("{p:.1}%"))
}

/// A count leading to its signals ("0" stays plain text: there is nothing to open).
fn count(c: &Counted, drill: &Drill, label: String) -> AnyView {
    match c.count {
        0 => view! { <span class="faint">"0"</span> }.into_any(),
        n => view! {
            <a class="drill" href=drill.href(&c.query) data-count=n title=label tabindex="-1">{thousands(n as f64)}</a>
        }
        .into_any(),
    }
}

/// One row: the team's or an analyst's.
fn row(r: PerformanceRow, drill: &Drill) -> impl IntoView {
    let who = r.display_name.clone();
    let ms = |v: Option<f64>| v.map(duration).unwrap_or_else(|| "–".into());
    let testid = r.username.clone().map_or_else(|| "team-row".to_owned(), |u| format!("analyst-{u}"));
    let responses = format!("over {} responded", thousands(r.first_response.count as f64));
    let archives = format!("over {} still archived", thousands(r.to_archive.count as f64));
    view! {
        <tr data-testid=testid class:team-row=r.username.is_none()>
            <th scope="row" title=r.username.clone().unwrap_or_else(|| "Everyone".into())>{who.clone()}</th>
            <td class="num">{count(&r.taken, drill, format!("{who}: signals taken"))}</td>
            <td class="num" title=responses.clone()>{ms(r.first_response.p50_ms)}</td>
            <td class="num" title=responses.clone()>{ms(r.first_response.p90_ms)}</td>
            <td class="num" title=responses>{ms(r.first_response.p99_ms)}</td>
            <td class="num" title=archives.clone()>{ms(r.to_archive.p50_ms)}</td>
            <td class="num" title=archives.clone()>{ms(r.to_archive.p90_ms)}</td>
            <td class="num" title=archives>{ms(r.to_archive.p99_ms)}</td>
            <td class="reasons">
                {r.by_reason.iter().map(|(reason, c)| view! {
                    <a class="pill reason drill" href=drill.href(&c.query) data-count=c.count tabindex="-1"
                        title=format!("{}: {}", human(reason.as_str()), c.count)>
                        {format!("{} {}", short(*reason), thousands(c.count as f64))}
                    </a>
                }).collect_view()}
            </td>
            <td class="num" title=rate(r.reopen_rate_pct)>{count(&r.reopened, drill, format!("{who}: reopened"))}</td>
            <td class="num">{count(&r.open_assigned, drill, format!("{who}: open and assigned now"))}</td>
        </tr>
    }
}

/// An archive reason in a few letters, the whole reason in the pill's title.
fn short(reason: ArchiveReason) -> &'static str {
    match reason {
        ArchiveReason::FalsePositive => "FP",
        ArchiveReason::TestingOrMaintenance => "test",
        ArchiveReason::InvestigatedElsewhere => "elsewhere",
        ArchiveReason::TruePositiveBenign => "TP benign",
        ArchiveReason::TruePositiveMalicious => "TP malicious",
        ArchiveReason::Other => "other",
    }
}
