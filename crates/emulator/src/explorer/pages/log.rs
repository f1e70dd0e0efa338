//! `/_explorer/log`: every request the emulator answers, live, with who made it and, for a
//! refusal, the rule that refused it and the seed concept behind the rule.
//!
//! The page is rendered with the most recent records that pass the filters, then
//! `explorer.js` follows `/_explorer/live` with the same filters and adds each new request at the
//! top.

use axum::extract::{Query, State};
use maud::{Markup, html};

use crate::audit::AuditFilter;
use crate::explorer::layout::{Section, page as frame};
use crate::explorer::live::{LiveEntry, LiveFilter};
use crate::state::AppState;

/// How many past records the page starts with.
const SHOWN_AT_START: usize = 100;

/// `GET /_explorer/log?kind=&principal=&status=&denied=`.
pub async fn page(State(state): State<AppState>, Query(filter): Query<LiveFilter>) -> Markup {
    let past: Vec<LiveEntry> = state
        .audit
        .read(&AuditFilter::default())
        .into_iter()
        .rev()
        .filter(|record| filter.matches(record))
        .take(SHOWN_AT_START)
        .map(LiveEntry::new)
        .collect();
    let source = live_source(&filter);
    let kind = filter.kind.clone().unwrap_or_default();
    let body = html! {
        form.panel method="get" action="/_explorer/log" {
            label { "Credential"
                select name="kind" {
                    @for (value, label) in [("", "any"), ("master", "master key"), ("resource", "resource token"), ("aad", "Entra ID"), ("none", "none")] {
                        option value=(value) selected[kind == value] { (label) }
                    }
                }
            }
            label { "Principal (Entra object id, key kind such as primaryReadonly, or permission link)"
                input name="principal" value=(filter.principal.clone().unwrap_or_default());
            }
            label { "Status"
                input name="status" type="number" min="100" max="599" value=[filter.status];
            }
            label { input name="denied" type="checkbox" value="true" checked[filter.denied]; " refused requests only (401, 403)" }
            div { button type="submit" { "Filter" } " " a href="/_explorer/log" { "clear" } }
        }
        p #live-state .muted { "live: connecting…" }
        table #live-log data-src=(source) {
            thead { tr { th { "Time (UTC)" } th { "Who" } th { "What" } th { "Outcome" } } }
            tbody {
                @for entry in &past { (row(entry)) }
            }
        }
    };
    frame("Request log", Section::Log, body)
}

/// One request, as `explorer.js` also builds it.
fn row(entry: &LiveEntry) -> Markup {
    let record = &entry.record;
    let denied = record.denied();
    let class = if denied {
        "status-denied"
    } else if record.status_code < 400 {
        "status-allowed"
    } else {
        "status-other"
    };
    let link = if record.resource_link.is_empty() {
        "/"
    } else {
        record.resource_link.as_str()
    };
    html! {
        tr class=[denied.then_some("denied")] data-status=(record.status_code) {
            td { (record.time.replace('T', " ").replace('Z', "")) }
            td { (entry.caller) }
            td { (record.operation) " " (link) }
            td class=(class) {
                @if denied { "denied " }
                (record.status_code)
                @if denied {
                    details {
                        summary { "why" }
                        p.deny-reason { (record.deny_reason.as_deref().unwrap_or("no reason recorded")) }
                        p.concept.muted { (entry.concept.unwrap_or_default()) }
                    }
                }
            }
        }
    }
}

/// The live stream's address, with the page's filters.
fn live_source(filter: &LiveFilter) -> String {
    let mut query = Vec::new();
    let mut add = |name: &str, value: &str| {
        if !value.trim().is_empty() {
            query.push(format!(
                "{name}={}",
                percent_encoding::utf8_percent_encode(
                    value.trim(),
                    percent_encoding::NON_ALPHANUMERIC
                )
            ));
        }
    };
    add("kind", filter.kind.as_deref().unwrap_or_default());
    add("principal", filter.principal.as_deref().unwrap_or_default());
    add(
        "status",
        &filter
            .status
            .map(|status| status.to_string())
            .unwrap_or_default(),
    );
    if filter.denied {
        add("denied", "true");
    }
    if query.is_empty() {
        "/_explorer/live".to_owned()
    } else {
        format!("/_explorer/live?{}", query.join("&"))
    }
}
