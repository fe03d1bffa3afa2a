//! The purchase order page's HTML: the order's facts, its lines with their change forms, the
//! cancel form and the audit entries.

use maud::{html, Markup};

use super::Data;
use crate::auth::Permission;
use crate::console::i18n::Lang;
use crate::console::SignedIn;
use crate::error::AppError;
use crate::replenishment::model::PurchaseOrderLine;

fn day(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

/// The order's facts, one row each.
fn facts(lang: Lang, data: &Data) -> Markup {
    let o = &data.order;
    let rows: Vec<(&str, String)> = vec![
        ("worklist.supplier", format!("{} {}", o.supplier, data.supplier_name)),
        ("worklist.warehouse", o.warehouse.clone()),
        ("worklist.status", lang.t(&format!("po.status.{}", o.status.as_str()))),
        ("worklist.value", format!("{:.2}", o.value)),
        ("po.expected", day(o.expected_at)),
        (
            "po.created",
            format!("{} · {}", o.created_at.format("%Y-%m-%d %H:%M UTC"), o.created_by),
        ),
        (
            "po.closed_at",
            o.closed_at
                .map_or_else(|| "–".to_owned(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string()),
        ),
        ("po.over_receipt", format!("{}%", o.over_receipt_pct)),
    ];
    html! {
        table.facts { tbody { @for (key, value) in rows { tr { th { (lang.t(key)) } td { (value) } } } } }
    }
}

/// A line's change forms: amend (quantity, expected date) and short-close.
fn line_forms(lang: Lang, who: &SignedIn, id: i64, line: &PurchaseOrderLine) -> Markup {
    let csrf = &who.session.csrf;
    html! {
        form.amend method="post" action={ "/console/orders/" (id) "/amend" } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="part_number" value=(line.part_number);
            input.qty type="number" name="quantity" min="1" value=(line.quantity) aria-label=(lang.t("po.ordered"));
            input type="date" name="expected_date" value=(day(line.expected_at)) aria-label=(lang.t("po.expected"));
            button.secondary type="submit" { (lang.t("po.amend")) }
        }
        form.close-line method="post" action={ "/console/orders/" (id) "/close" } {
            input type="hidden" name="csrf" value=(csrf);
            input type="hidden" name="part_number" value=(line.part_number);
            button.secondary type="submit" { (lang.t("po.short_close")) }
        }
    }
}

fn lines(lang: Lang, who: &SignedIn, data: &Data) -> Markup {
    let o = &data.order;
    let may_change = o.status.is_open() && who.session.principal.role.allows(Permission::ReplenishmentWrite);
    html! {
        h2 { (lang.t("orders.lines")) }
        div.scroll { table {
            thead { tr {
                th { (lang.t("worklist.part")) } th { (lang.t("po.description")) } th.num { (lang.t("po.ordered")) }
                th.num { (lang.t("po.received")) } th.num { (lang.t("po.closed")) } th.num { (lang.t("po.outstanding")) }
                th.num { (lang.t("worklist.unit_price")) } th { (lang.t("po.expected")) }
                @if may_change { th { (lang.t("po.change")) } }
            } }
            tbody { @for line in &o.lines { tr data-part=(line.part_number) {
                td { code { (line.part_number) } }
                td { (data.descriptions.get(&line.part_number).map_or("", String::as_str)) }
                td.num { (line.quantity) } td.num { (line.received) } td.num { (line.closed) } td.num { (line.outstanding) }
                td.num { (format!("{:.2}", line.unit_price)) } td { (day(line.expected_at)) }
                @if may_change { td.actions { @if line.outstanding > 0 { (line_forms(lang, who, o.id, line)) } } }
            } } }
        } }
        @if may_change {
            form.cancel-order method="post" action={ "/console/orders/" (o.id) "/cancel" } {
                input type="hidden" name="csrf" value=(who.session.csrf);
                p.hint { (lang.t("po.cancel_hint")) }
                button.danger type="submit" { (lang.t("po.cancel")) }
            }
        }
    }
}

pub fn render(lang: Lang, who: &SignedIn, data: &Data, done: Option<&str>, refused: Option<&AppError>) -> Markup {
    html! {
        @if let Some(done) = done.filter(|d| ["cancelled", "closed", "amended"].contains(d)) {
            p.notice role="status" { (lang.t(&format!("po.done.{done}"))) }
        }
        @if let Some(e) = refused {
            @let problem = e.problem();
            p.problem role="alert" { (problem.detail) @if let Some(field) = &problem.field { " (" code { (field) } ")" } }
        }
        p { a href="/console/orders" { "← " (lang.t("orders.title")) } }
        (facts(lang, data))
        (lines(lang, who, data))
        @if let Some(entries) = &data.audit {
            h2 { (lang.t("detail.audit")) }
            table { tbody { @for a in entries { tr { td { (a.occurred_at.format("%Y-%m-%d %H:%M:%S")) } td { code { (a.action) } } td { (a.actor) } } } } }
        }
    }
}
