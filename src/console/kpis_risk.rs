//! The KPI page's at-risk list: pairs at or below their reorder point or running out inside
//! their lead time, from the API's `at_risk::list` (same filter, order and paging), each with a
//! link to its proposals in the worklist.

use maud::{html, Markup};

use crate::console::i18n::Lang;
use crate::console::layout::encode;
use crate::console::request::given;
use crate::replenishment::at_risk::{AtRiskFilter, AtRiskPair};

/// Pairs a page of the list shows.
const PAGE: i64 = 50;

/// A page of pairs at risk and the next page's cursor.
pub struct AtRisk {
    pub pairs: Vec<AtRiskPair>,
    pub next: Option<String>,
}

/// The API's filter for the page's region, order and cursor (a bad order is the API's 400).
pub fn filter(region: Option<String>, sort: &Option<String>, cursor: &Option<String>) -> AtRiskFilter {
    AtRiskFilter {
        region,
        sort: given(sort).map(str::to_owned),
        limit: Some(PAGE),
        cursor: given(cursor).map(str::to_owned),
        ..Default::default()
    }
}

fn days(d: Option<f64>) -> String {
    d.map_or_else(|| "–".to_owned(), |d| format!("{d:.1}"))
}

pub fn render(lang: Lang, region: &str, sort: Option<&str>, found: &AtRisk) -> Markup {
    let sort = sort.unwrap_or("days_of_cover");
    html! {
        h2 #at-risk { (lang.t("risk.title")) }
        form.filters method="get" action="/console/kpis" {
            input type="hidden" name="region" value=(region);
            label { (lang.t("risk.sort"))
                select name="sort" {
                    option value="days_of_cover" selected[sort == "days_of_cover"] { (lang.t("risk.by_cover")) }
                    option value="value_at_risk" selected[sort == "value_at_risk"] { (lang.t("risk.by_value")) }
                }
            }
            button type="submit" { (lang.t("worklist.filter")) }
        }
        div.scroll { table.at-risk {
            thead { tr {
                th { (lang.t("worklist.warehouse")) } th { (lang.t("worklist.region")) } th { (lang.t("worklist.part")) } th { (lang.t("risk.criticality")) }
                th.num { (lang.t("worklist.on_hand")) } th.num { (lang.t("worklist.in_flight")) } th.num { (lang.t("risk.position")) }
                th.num { (lang.t("risk.levels")) } th.num { (lang.t("risk.cover")) } th { (lang.t("risk.stockout_date")) }
                th.num { (lang.t("risk.short")) } th.num { (lang.t("risk.value")) }
            } }
            tbody {
                @for p in &found.pairs { tr {
                    td { (p.warehouse) } td { (p.region) }
                    td { a href={ "/console/proposals?status=all&warehouse=" (encode(&p.warehouse)) "&part_number=" (encode(&p.part_number)) } { code { (p.part_number) } } }
                    td { (p.criticality) }
                    td.num { (p.on_hand) } td.num { (p.in_flight) } td.num { (p.position) }
                    td.num { (p.reorder_point) " / " (p.order_up_to) } td.num { (days(p.days_of_cover)) }
                    td { (p.projected_stockout_date.map(|d| d.to_string()).unwrap_or_else(|| "–".to_owned())) }
                    td.num { (p.units_short) } td.num { (format!("{:.2}", p.value_at_risk)) }
                } }
                @if found.pairs.is_empty() { tr { td colspan="12" { (lang.t("risk.none")) } } }
            }
        } }
        div.pager { @if let Some(next) = &found.next {
            a href={ "/console/kpis?region=" (encode(region)) "&sort=" (encode(sort)) "&cursor=" (encode(next)) "#at-risk" } { (lang.t("worklist.next")) }
        } }
    }
}
