//! The worklist's HTML: the filter form, the proposals table inside the action form, paging.

use std::collections::HashMap;

use maud::{html, Markup};

use super::Query;
use crate::auth::Permission;
use crate::catalog::{parts, regions, suppliers, warehouses};
use crate::console::i18n::Lang;
use crate::console::layout::encode;
use crate::console::SignedIn;
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::replenishment::model::{Proposal, ProposalFilter, ProposalKind};
use crate::replenishment::{proposals, purchase_orders};

/// One page of the worklist and what its filter form offers.
pub struct Data {
    pub proposals: Vec<Proposal>,
    pub next_cursor: Option<String>,
    /// Part number -> description.
    pub descriptions: HashMap<String, String>,
    /// Purchase order id -> its number (for approved purchases).
    pub po_numbers: HashMap<i64, String>,
    pub regions: Vec<String>,
    pub warehouses: Vec<String>,
    pub suppliers: Vec<String>,
}

impl Data {
    pub fn load(conn: &mut AnyConnection, filter: &ProposalFilter, scope: Option<&[String]>) -> Result<Data, AppError> {
        let (proposals, next_cursor) = proposals::list(conn, filter, scope)?;
        let mut numbers: Vec<&str> = proposals.iter().map(|p| p.part_number.as_str()).collect();
        numbers.sort_unstable();
        numbers.dedup();
        let descriptions = parts::resolve_all(conn, &numbers, |_| "part_number".to_owned())?
            .into_iter()
            .map(|p| (p.part_number, p.description))
            .collect();
        let mut po_numbers = HashMap::new();
        for id in proposals.iter().filter_map(|p| p.purchase_order_id) {
            if let std::collections::hash_map::Entry::Vacant(slot) = po_numbers.entry(id) {
                slot.insert(purchase_orders::get(conn, id)?.number);
            }
        }
        let warehouses = warehouses::all(conn)?
            .into_iter()
            .filter(|w| scope.is_none_or(|codes| codes.contains(&w.code)))
            .map(|w| w.code)
            .collect();
        let regions = regions::list(conn)?.into_iter().map(|r| r.code).collect();
        let supplier_filter = suppliers::SupplierFilter {
            limit: Some(500),
            ..Default::default()
        };
        let suppliers = suppliers::list(conn, &supplier_filter)?
            .0
            .into_iter()
            .map(|s| s.code)
            .collect();
        Ok(Data {
            proposals,
            next_cursor,
            descriptions,
            po_numbers,
            regions,
            warehouses,
            suppliers,
        })
    }
}

fn select(lang: Lang, name: &str, label: &str, options: &[String], chosen: &Option<String>) -> Markup {
    let chosen = chosen.as_deref().unwrap_or("");
    html! {
        label { (lang.t(label))
            select name=(name) {
                option value="" { (lang.t("worklist.any")) }
                @for option in options {
                    option value=(option) selected[option == chosen] { (option) }
                }
            }
        }
    }
}

/// A select whose options are translated (`{name}.{value}` texts).
fn choice(lang: Lang, name: &str, label: &str, values: &[&str], chosen: &Option<String>) -> Markup {
    let chosen = chosen.as_deref().unwrap_or("");
    html! {
        label { (lang.t(label))
            select name=(name) {
                option value="" { (lang.t("worklist.any")) }
                @for value in values {
                    option value=(value) selected[*value == chosen] { (lang.t(&format!("{name}.{value}"))) }
                }
            }
        }
    }
}

fn filters(lang: Lang, query: &Query, data: &Data) -> Markup {
    let statuses: Vec<String> = ["open", "approved", "rejected", "withdrawn", "all"]
        .map(String::from)
        .into();
    let kinds: Vec<String> = ["purchase", "transfer"].map(String::from).into();
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    html! {
        form.filters method="get" action="/console/proposals" {
            label { (lang.t("worklist.status"))
                select name="status" {
                    @for s in &statuses {
                        option value=(s) selected[query.status.as_deref().unwrap_or("open") == s] { (lang.t(&format!("status.{s}"))) }
                    }
                }
            }
            (select(lang, "kind", "worklist.kind", &kinds, &query.kind))
            (select(lang, "region", "worklist.region", &data.regions, &query.region))
            (select(lang, "warehouse", "worklist.warehouse", &data.warehouses, &query.warehouse))
            (select(lang, "supplier", "worklist.supplier", &data.suppliers, &query.supplier))
            (choice(lang, "criticality", "worklist.criticality", &["critical", "high", "medium", "low"], &query.criticality))
            (choice(lang, "edited", "worklist.edited_filter", &["yes", "no"], &query.edited))
            label { (lang.t("worklist.sort"))
                select name="sort" {
                    @for s in ["id", "value", "urgency", "cover"] {
                        option value=(s) selected[query.sort.as_deref().unwrap_or("id") == s] { (lang.t(&format!("sort.{s}"))) }
                    }
                }
            }
            label { (lang.t("worklist.part")) input name="part_number" size="14" value=(text(&query.part_number)); }
            label { (lang.t("worklist.min_value")) input name="min_value" size="8" inputmode="decimal" value=(text(&query.min_value)); }
            label { (lang.t("worklist.max_value")) input name="max_value" size="8" inputmode="decimal" value=(text(&query.max_value)); }
            button type="submit" { (lang.t("worklist.filter")) }
        }
    }
}

/// Days of cover, or a dash without forecast demand.
fn days(cover: Option<f64>) -> String {
    cover.map_or_else(|| "–".to_owned(), |d| format!("{d:.0}"))
}

fn percent(rate: f64) -> String {
    format!("{:.1}%", rate * 100.0)
}

fn row(lang: Lang, p: &Proposal, data: &Data, editable: bool) -> Markup {
    let e = &p.explanation;
    let source = match p.kind {
        ProposalKind::Purchase => p.supplier.clone().unwrap_or_default(),
        ProposalKind::Transfer => p.from_warehouse.clone().unwrap_or_default(),
    };
    let open = editable && p.status == crate::replenishment::model::ProposalStatus::Open;
    html! {
        tr {
            td { @if open { input type="checkbox" name="ids" value=(p.id) aria-label=(format!("#{}", p.id)); } }
            td { a href={ "/console/proposals/" (p.id) } { (p.id) } }
            td { code { (p.part_number) } br; span.muted { (data.descriptions.get(&p.part_number).map_or("", |d| d.as_str())) } }
            td { (p.warehouse) br; span.muted { (p.region) } }
            td { (lang.t(&format!("kind.{}", if p.kind == ProposalKind::Purchase { "purchase" } else { "transfer" }))) }
            td { (source) }
            td.num { (e.stock.on_hand) }
            td.num { (e.stock.in_flight()) }
            td.num { (format!("{:.2}", e.daily_rate)) }
            td.num { (e.reorder_point) " / " (e.order_up_to) }
            td.num {
                @if open {
                    input type="hidden" name="row" value=(p.id);
                    input type="hidden" name="was" value=(p.quantity);
                    input.qty type="number" min="1" name="qty" value=(p.quantity) aria-label=(lang.t("worklist.quantity"));
                } @else { (p.quantity) }
            }
            td.num { (format!("{:.2}", p.unit_price)) }
            td.num { (format!("{:.2}", p.value)) }
            td.num { (percent(e.fill_rate_without)) " → " (percent(e.fill_rate_with)) }
            td.num {
                (days(e.days_of_cover)) " → " (days(e.days_of_cover_with))
                @if let Some(date) = e.projected_stockout_date { br; span.problem { (lang.t("worklist.stockout")) " " (date) } }
            }
            td { span.muted { (e.sentence) } }
            td {
                "r" (p.revision)
                @if p.locked { " " span.mark { (lang.t("worklist.edited")) } }
                @if let Some(reason) = &p.reason { br; span.muted { (reason) } }
                @if let Some(po) = p.purchase_order_id.and_then(|id| data.po_numbers.get(&id)) { br; span.mark { (po) } }
                @if let Some(t) = p.transfer_id { br; span.mark { (lang.t("worklist.transfer")) " #" (t) } }
            }
        }
    }
}

fn notice(lang: Lang, query: &Query) -> Markup {
    let text = match query.done.as_deref() {
        Some(what @ ("approved" | "rejected" | "saved")) => Some(lang.t(&format!("worklist.done.{what}"))),
        _ => None,
    };
    html! { @if let Some(text) = text { p.notice role="status" { (text) ": " (query.n.unwrap_or(0)) } } }
}

pub fn render(lang: Lang, who: &SignedIn, query: &Query, data: &Data) -> Markup {
    let editable = who.session.principal.role.allows(Permission::ReplenishmentWrite);
    let filter_query = query.filter_query();
    let columns = [
        "worklist.id",
        "worklist.part",
        "worklist.warehouse",
        "worklist.kind",
        "worklist.source",
        "worklist.on_hand",
        "worklist.in_flight",
        "worklist.per_day",
        "worklist.levels",
        "worklist.quantity",
        "worklist.unit_price",
        "worklist.value",
        "worklist.fill_rate",
        "worklist.revision",
    ];
    html! {
        (notice(lang, query))
        (filters(lang, query, data))
        form method="post" action="/console/proposals" {
            input type="hidden" name="csrf" value=(who.session.csrf);
            input type="hidden" name="back" value=(filter_query);
            div.scroll {
                table {
                    thead { tr { th {} @for c in columns { th { (lang.t(c)) } } } }
                    tbody {
                        @for p in &data.proposals { (row(lang, p, data, editable)) }
                        @if data.proposals.is_empty() { tr { td colspan="17" { (lang.t("worklist.none")) } } }
                    }
                }
            }
            @if editable && !data.proposals.is_empty() {
                div.actions {
                    label { input type="checkbox" name="all" value="yes"; " " (lang.t("worklist.all_matching")) }
                    button type="submit" name="action" value="approve" { (lang.t("worklist.approve")) }
                    label { (lang.t("worklist.reason")) " " input name="reason" size="30" maxlength="500"; }
                    button.danger type="submit" name="action" value="reject" { (lang.t("worklist.reject")) }
                    button.secondary type="submit" name="action" value="save" { (lang.t("worklist.save")) }
                }
            }
        }
        div.pager {
            @if query.cursor.is_some() { a href={ "/console/proposals?" (filter_query) } { (lang.t("worklist.first")) } }
            @if let Some(next) = &data.next_cursor {
                a href={ "/console/proposals?" (filter_query) "&cursor=" (encode(next)) } { (lang.t("worklist.next")) }
            }
        }
    }
}
