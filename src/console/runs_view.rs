//! The runs pages' HTML: the list with the start form, and one run's summary with its
//! calibration.

use maud::{html, Markup};

use crate::auth::Permission;
use crate::console::i18n::Lang;
use crate::console::layout::encode;
use crate::console::SignedIn;
use crate::error::AppError;
use crate::replenishment::model::{Calibration, RunSummary};

fn when(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn count(n: Option<i64>) -> String {
    n.map_or_else(|| "–".to_owned(), |n| n.to_string())
}

fn rate(r: Option<f64>) -> String {
    r.map_or_else(|| "–".to_owned(), |r| format!("{:.3}%", r * 100.0))
}

fn start_form(lang: Lang, who: &SignedIn) -> Markup {
    let principal = &who.session.principal;
    html! {
        @if !principal.role.allows(Permission::ReplenishmentWrite) {
        } @else if principal.visible_warehouses().is_some() {
            p.hint { (lang.t("runs.scoped")) }
        } @else {
            form.filters.start-run method="post" action="/console/runs" {
                input type="hidden" name="csrf" value=(who.session.csrf);
                label { (lang.t("runs.part")) input type="text" name="part_number" placeholder=(lang.t("runs.whole_network")); }
                label { (lang.t("runs.replan")) input type="checkbox" name="replan" value="yes" checked; }
                button type="submit" { (lang.t("runs.start")) }
            }
            p.hint { (lang.t("runs.start_hint")) }
        }
    }
}

pub fn list(lang: Lang, who: &SignedIn, runs: &[RunSummary], next: Option<&str>, refused: Option<&AppError>) -> Markup {
    html! {
        @if let Some(e) = refused {
            @let problem = e.problem();
            p.problem role="alert" { (problem.detail) @if let Some(field) = &problem.field { " (" code { (field) } ")" } }
        }
        (start_form(lang, who))
        div.scroll { table {
            thead { tr {
                th { "#" } th { (lang.t("runs.trigger")) } th { (lang.t("worklist.status")) } th { (lang.t("runs.started")) }
                th.num { (lang.t("runs.pairs")) } th.num { (lang.t("runs.purchases")) } th.num { (lang.t("runs.transfers")) }
                th.num { (lang.t("runs.created")) } th.num { (lang.t("runs.revised")) } th.num { (lang.t("runs.withdrawn")) }
                th.num { (lang.t("runs.internal_target")) }
            } }
            tbody {
                @for r in runs { tr {
                    td { a href={ "/console/runs/" (r.id) } { (r.id) } } td { (r.trigger) } td { (r.status) } td { (when(r.started_at)) }
                    td.num { (r.pairs) } td.num { (r.purchases) } td.num { (r.transfers) }
                    td.num { (count(r.proposals_created)) } td.num { (count(r.proposals_revised)) } td.num { (count(r.proposals_withdrawn)) }
                    td.num { (rate(r.internal_target)) }
                } }
                @if runs.is_empty() { tr { td colspan="11" { (lang.t("runs.none")) } } }
            }
        } }
        div.pager { @if let Some(next) = next { a href={ "/console/runs?cursor=" (encode(next)) } { (lang.t("worklist.next")) } } }
    }
}

fn calibration(lang: Lang, c: &Calibration) -> Markup {
    let window = match (c.window_from, c.window_to) {
        (Some(from), Some(to)) => format!("{from} – {to}"),
        _ => "–".to_owned(),
    };
    let rows: Vec<(&str, String)> = vec![
        ("runs.computed_by", format!("#{} · {}", c.run_id, when(c.computed_at))),
        ("runs.external_target", rate(Some(c.external_target))),
        ("runs.internal_target", rate(Some(c.internal_target))),
        ("runs.margin", format!("{:.3}", c.margin)),
        ("runs.window", window),
        ("runs.origins", c.origins.to_string()),
        ("runs.replayed", format!("{} / {}", c.pairs_replayed, c.lines_replayed)),
    ];
    html! {
        table.facts { tbody { @for (key, value) in rows { tr { th { (lang.t(key)) } td.num { (value) } } } } }
        @if let Some(why) = &c.fallback { p.hint { (lang.t("runs.fallback")) ": " (why) } }
        @if !c.trials.is_empty() {
            h3 { (lang.t("runs.trials")) }
            table { thead { tr { th.num { (lang.t("runs.internal_target")) } th.num { (lang.t("runs.replay_rate")) } } }
                tbody { @for t in &c.trials { tr { td.num { (rate(Some(t.internal_target))) } td.num { (rate(Some(t.stockout_rate))) } } } } }
        }
    }
}

pub fn summary(lang: Lang, r: &RunSummary, started: bool) -> Markup {
    let scope = match &r.scope.part_number {
        Some(part) => part.clone(),
        None => lang.t("runs.whole_network"),
    };
    let rows: Vec<(&str, String)> = vec![
        ("runs.trigger", r.trigger.clone()),
        ("worklist.status", r.status.clone()),
        ("runs.part", scope),
        ("runs.replan", r.scope.replan.unwrap_or(true).to_string()),
        ("runs.started", when(r.started_at)),
        ("runs.finished", r.finished_at.map_or_else(|| "–".to_owned(), when)),
        ("runs.pairs", r.pairs.to_string()),
        ("runs.purchases", r.purchases.to_string()),
        ("runs.transfers", r.transfers.to_string()),
        ("runs.created", count(r.proposals_created)),
        ("runs.revised", count(r.proposals_revised)),
        ("runs.withdrawn", count(r.proposals_withdrawn)),
        ("runs.expected_rate", rate(r.expected_stockout_rate)),
        ("runs.internal_target", rate(r.internal_target)),
        (
            "runs.shadow_price",
            r.shadow_price.map_or_else(|| "–".to_owned(), |p| format!("{p:.4}")),
        ),
    ];
    html! {
        @if started { p.notice role="status" { (lang.t("runs.done.started")) } }
        p { a href="/console/runs" { "← " (lang.t("runs.title")) } " · " a href="/console/proposals" { (lang.t("worklist.title")) } }
        div.columns {
            section { table.facts { tbody { @for (key, value) in rows { tr { th { (lang.t(key)) } td.num { (value) } } } } } }
            section {
                h2 { (lang.t("runs.calibration")) }
                @match &r.calibration {
                    Some(c) => { (calibration(lang, c)) }
                    None => { p.hint { (lang.t("runs.no_calibration")) } }
                }
            }
        }
    }
}
