//! The proposal page's HTML: figures, charts, the edit form with its preview, suppliers,
//! stock elsewhere, revisions and audit entries.

use maud::{html, Markup};

use super::{Data, Preview};
use crate::auth::Permission;
use crate::console::chart::{self, Chart, Level, Series};
use crate::console::i18n::Lang;
use crate::console::SignedIn;
use crate::replenishment::explain::Explanation;
use crate::replenishment::model::{ProposalKind, ProposalStatus};

fn days(cover: Option<f64>) -> String {
    cover.map_or_else(|| "–".to_owned(), |d| format!("{d:.1}"))
}

fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

/// Every input of an explanation, one row each.
fn explanation(lang: Lang, e: &Explanation) -> Markup {
    let rows: Vec<(&str, String)> = vec![
        ("detail.binding", e.binding.as_str().to_owned()),
        ("detail.method", format!("{} ({})", e.method, e.demand_class)),
        ("detail.per_day", format!("{:.2}", e.forecast_per_day.max(e.daily_rate))),
        ("detail.lead_time", e.lead_time_days.to_string()),
        ("detail.over_lead_time", format!("{:.1}", e.forecast_over_lead_time)),
        ("detail.levels", format!("{} / {}", e.reorder_point, e.order_up_to)),
        ("detail.on_hand", e.on_hand.to_string()),
        ("detail.in_flight", e.in_flight.to_string()),
        ("detail.predecessor", e.predecessor_stock.to_string()),
        ("detail.position", e.position.to_string()),
        (
            "detail.fill_rate",
            format!("{} → {}", percent(e.fill_rate_without), percent(e.fill_rate_with)),
        ),
        (
            "detail.cover",
            format!("{} → {}", days(e.days_of_cover), days(e.days_of_cover_with)),
        ),
        (
            "detail.stockout",
            e.projected_stockout_date
                .map_or_else(|| "–".to_owned(), |d| d.to_string()),
        ),
        ("detail.arrives", e.arrives_in_days.to_string()),
        (
            "detail.manual",
            if e.manual_override {
                lang.t("detail.yes")
            } else {
                lang.t("detail.no")
            },
        ),
    ];
    html! {
        p.sentence { (e.sentence) }
        table.facts { tbody { @for (key, value) in rows { tr { th { (lang.t(key)) } td.num { (value) } } } } }
    }
}

fn demand_chart(lang: Lang, data: &Data) -> Markup {
    let e = &data.proposal.explanation;
    let weeks = data.weekly.len() as f64;
    let history: Vec<(f64, f64)> = data.weekly.iter().enumerate().map(|(i, q)| (i as f64, *q)).collect();
    let per_week = e.forecast_per_day.max(e.daily_rate) * 7.0;
    let forecast: Vec<(f64, f64)> = (0..=data.forecast_weeks())
        .map(|w| (weeks - 1.0 + w as f64, per_week))
        .collect();
    let end = data.history_from + chrono::Duration::weeks(data.weekly.len() as i64 + data.forecast_weeks());
    chart::render(&Chart {
        title: lang.t("detail.demand_chart"),
        x_first: data.history_from.to_string(),
        x_last: end.to_string(),
        series: vec![
            Series {
                label: lang.t("detail.history"),
                class: "history",
                points: history,
            },
            Series {
                label: lang.t("detail.forecast"),
                class: "forecast",
                points: forecast,
            },
        ],
        levels: Vec::new(),
    })
}

fn stock_chart(lang: Lang, data: &Data) -> Markup {
    let e = &data.proposal.explanation;
    let days = data.projection();
    let last = days.last().map_or(0, |d| d.day);
    chart::render(&Chart {
        title: lang.t("detail.stock_chart"),
        x_first: lang.t("detail.today"),
        x_last: format!("+{last} {}", lang.t("detail.days")),
        series: vec![
            Series {
                label: lang.t("detail.without"),
                class: "without",
                points: days.iter().map(|d| (d.day as f64, d.without)).collect(),
            },
            Series {
                label: lang.t("detail.with"),
                class: "with",
                points: days.iter().map(|d| (d.day as f64, d.with)).collect(),
            },
        ],
        levels: vec![
            Level {
                label: lang.t("detail.reorder_point"),
                class: "reorder",
                y: e.reorder_point as f64,
            },
            Level {
                label: lang.t("detail.order_up_to"),
                class: "order-up-to",
                y: e.order_up_to as f64,
            },
        ],
    })
}

fn edit_form(lang: Lang, who: &SignedIn, query: &Preview, data: &Data) -> Markup {
    let p = &data.proposal;
    let suppliers: Vec<String> = data.terms.iter().flatten().map(|t| t.supplier.clone()).collect();
    let chosen_qty = query.qty.clone().unwrap_or_else(|| p.quantity.to_string());
    let chosen_supplier = query
        .supplier
        .clone()
        .or_else(|| p.supplier.clone())
        .unwrap_or_default();
    html! {
        h2 { (lang.t("detail.edit")) }
        form.filters method="get" action={ "/console/proposals/" (p.id) } {
            label { (lang.t("worklist.quantity")) input.qty type="number" min="1" name="qty" value=(chosen_qty); }
            @if p.kind == ProposalKind::Purchase {
                label { (lang.t("worklist.supplier"))
                    select name="supplier" {
                        @for s in &suppliers { option value=(s) selected[*s == chosen_supplier] { (s) } }
                    }
                }
            }
            button.secondary type="submit" { (lang.t("detail.preview")) }
        }
        @match &data.preview {
            Some(Ok(figure)) => {
                h3 { (lang.t("detail.previewed")) }
                p { (lang.t("worklist.quantity")) ": " (figure.quantity) " · " (lang.t("worklist.value")) ": " (format!("{:.2}", figure.value))
                    @if let Some(s) = &figure.supplier { " · " (s) } }
                @if let Some(e) = &figure.explanation { (explanation(lang, e)) }
                @if who.session.principal.role.allows(Permission::ReplenishmentWrite) {
                    form method="post" action={ "/console/proposals/" (p.id) "/edit" } {
                        input type="hidden" name="csrf" value=(who.session.csrf);
                        input type="hidden" name="qty" value=(figure.quantity);
                        @if let Some(s) = &figure.supplier { input type="hidden" name="supplier" value=(s); }
                        button type="submit" { (lang.t("detail.save")) }
                    }
                }
            }
            Some(Err(e)) => { p.problem role="alert" { (e.problem().detail) } }
            None => {}
        }
    }
}

fn others(lang: Lang, data: &Data) -> Markup {
    html! {
        @if let Some(terms) = &data.terms {
            h2 { (lang.t("detail.suppliers")) }
            table { thead { tr { th { (lang.t("worklist.supplier")) } th { (lang.t("detail.lead_time")) } th { "MOQ" } th { (lang.t("detail.pack")) } th { (lang.t("worklist.unit_price")) } th {} } }
                tbody { @for t in terms { tr {
                    td { (t.supplier) } td.num { (t.lead_time_days) } td.num { (t.moq) } td.num { (t.pack_size) } td.num { (format!("{:.2}", t.unit_price)) }
                    td { @if t.preferred { span.mark { (lang.t("detail.preferred")) } } }
                } } }
            }
        }
        @if let Some(stock) = &data.stock {
            h2 { (lang.t("detail.elsewhere")) }
            table { thead { tr { th { (lang.t("worklist.warehouse")) } th { (lang.t("worklist.region")) } th { (lang.t("worklist.on_hand")) } th { (lang.t("availability.available")) } th { (lang.t("availability.incoming")) } } }
                tbody { @for w in &stock.warehouses { tr.{ @if w.warehouse == data.proposal.warehouse { "here" } } {
                    td { (w.warehouse) } td { (w.region) } td.num { (w.on_hand) } td.num { (w.available) } td.num { (w.in_transit_in + w.on_order) }
                } } }
            }
        }
    }
}

fn history(lang: Lang, data: &Data) -> Markup {
    let p = &data.proposal;
    html! {
        h2 { (lang.t("detail.revisions")) }
        p { "r" (p.revision) @if let Some(at) = p.revised_at { " · " (at.format("%Y-%m-%d %H:%M UTC")) } @if let Some(run) = p.revised_run_id { " · run #" (run) } }
        @if !p.changes.is_empty() {
            ul { @for c in &p.changes { li { (c.field) ": " (c.from) " → " (c.to) } } }
        }
        @if let Some(engine) = &p.engine {
            p.mark { (lang.t("detail.engine_now")) ": " (engine.quantity) @if let Some(r) = &engine.reason { " (" (r) ")" } }
        }
        @if let (Some(at), Some(by)) = (p.decided_at, &p.decided_by) {
            p { (lang.t(&format!("status.{}", p.status.as_str()))) " · " (by) " · " (at.format("%Y-%m-%d %H:%M UTC")) }
        }
        @if let Some(entries) = &data.audit {
            h2 { (lang.t("detail.audit")) }
            table { tbody { @for a in entries { tr { td { (a.occurred_at.format("%Y-%m-%d %H:%M:%S")) } td { code { (a.action) } } td { (a.actor) } } } } }
        }
    }
}

pub fn render(lang: Lang, who: &SignedIn, query: &Preview, data: &Data) -> Markup {
    let p = &data.proposal;
    let source = p
        .supplier
        .clone()
        .or_else(|| p.from_warehouse.clone())
        .unwrap_or_default();
    let kind = if p.kind == ProposalKind::Purchase {
        "purchase"
    } else {
        "transfer"
    };
    html! {
        @if query.done.as_deref() == Some("saved") { p.notice role="status" { (lang.t("worklist.done.saved")) } }
        p { a href="/console/proposals" { "← " (lang.t("worklist.title")) } }
        p.lead {
            code { (p.part_number) } " " (data.description) " · " (p.warehouse) " (" (p.region) ") · "
            (lang.t(&format!("kind.{kind}"))) " " (source) " · " (p.quantity) " × " (format!("{:.2}", p.unit_price)) " = " (format!("{:.2}", p.value))
            " · " (lang.t(&format!("status.{}", p.status.as_str())))
            @if p.locked { " " span.mark { (lang.t("worklist.edited")) } }
        }
        div.columns {
            section { h2 { (lang.t("detail.why")) } (explanation(lang, &p.explanation)) }
            section { (demand_chart(lang, data)) (stock_chart(lang, data)) }
        }
        @if p.status == ProposalStatus::Open { (edit_form(lang, who, query, data)) }
        (others(lang, data))
        (history(lang, data))
    }
}
