//! The KPI page: stock-out rate, fill rate, inventory value and turnover week by week (charts
//! drawn on the server) for the network or a region, the last 30 days per region, and the
//! pairs at risk. Figures come from the API's own `kpis::compute` and `at_risk::list`, with the
//! key's warehouse scope; the at-risk list needs stock reads, as `GET /at-risk` does.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDate, Utc};
use maud::{html, Markup};
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;

use super::chart::{self, Chart, Series};
use super::i18n::Lang;
use super::layout::{page, respond};
use super::SignedIn;
use crate::api::extract::need;
use crate::api::{with_conn, AppState};
use crate::auth::Permission;
use crate::catalog::regions;
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::replenishment::at_risk::{self, AtRiskFilter};
use crate::replenishment::kpis::{self, KpiFilter, Kpis};

#[path = "kpis_risk.rs"]
mod risk;

/// Weeks the charts cover.
const WEEKS: i64 = 12;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/kpis", web::get().to(kpi_page));
}

#[derive(Debug, Default, Deserialize)]
struct Query {
    region: Option<String>,
    /// The at-risk list's order (`days_of_cover` or `value_at_risk`) and page.
    sort: Option<String>,
    cursor: Option<String>,
}

struct Data {
    /// One week each, oldest first.
    weekly: Vec<Kpis>,
    /// The last 30 days per region (code, figures).
    regions: Vec<(String, Kpis)>,
    /// A page of the pairs at risk and the next page's cursor (for keys that read stock).
    at_risk: Option<risk::AtRisk>,
}

fn filter(from: NaiveDate, to: NaiveDate, region: Option<String>) -> KpiFilter {
    KpiFilter {
        from: Some(from),
        to: Some(to),
        region,
        ..Default::default()
    }
}

fn load(
    conn: &mut AnyConnection,
    region: Option<String>,
    risks: Option<AtRiskFilter>,
    scope: Option<&[String]>,
) -> Result<Data, AppError> {
    let today = Utc::now().date_naive();
    let at_risk = risks
        .map(|filter| at_risk::list(conn, &filter, scope, today).map(|(pairs, next)| risk::AtRisk { pairs, next }))
        .transpose()?;
    let mut weekly = Vec::new();
    for back in (0..WEEKS).rev() {
        let to = today - Duration::weeks(back);
        weekly.push(kpis::compute(
            conn,
            &filter(to - Duration::days(6), to, region.clone()),
            scope,
        )?);
    }
    let mut per_region = Vec::new();
    for r in regions::list(conn)? {
        let figures = kpis::compute(
            conn,
            &filter(today - Duration::days(29), today, Some(r.code.clone())),
            scope,
        )?;
        per_region.push((r.code, figures));
    }
    Ok(Data {
        weekly,
        regions: per_region,
        at_risk,
    })
}

async fn kpi_page(req: HttpRequest, who: SignedIn, state: web::Data<AppState>) -> HttpResponse {
    let (caller, query) = match who.page_request::<need::ReplenishmentRead, Query>(&req) {
        Ok(found) => found,
        Err(e) => return who.error(&e),
    };
    let region = query.region.clone().filter(|r| !r.trim().is_empty());
    let risks = caller
        .principal
        .role
        .allows(Permission::StockRead)
        .then(|| risk::filter(region.clone(), &query.sort, &query.cursor));
    let scope = caller.principal.warehouses.clone();
    match with_conn(&state.pool, move |conn| load(conn, region, risks, scope.as_deref())).await {
        Ok(data) => {
            let lang = who.lang;
            let body = render(lang, &query, &data);
            respond(
                StatusCode::OK,
                page(lang, Some(&who), &who.here, &lang.t("kpis.title"), body),
            )
        }
        Err(e) => who.error(&e),
    }
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// A weekly chart of one figure (weeks without a value are left out).
fn weekly_chart(
    lang: Lang,
    data: &Data,
    title: &str,
    class: &'static str,
    figure: impl Fn(&Kpis) -> Option<f64>,
) -> Markup {
    let points = data
        .weekly
        .iter()
        .enumerate()
        .filter_map(|(i, k)| figure(k).map(|v| (i as f64, v)))
        .collect();
    let first = data.weekly.first().map(|k| k.from.to_string()).unwrap_or_default();
    let last = data.weekly.last().map(|k| k.to.to_string()).unwrap_or_default();
    chart::render(&Chart {
        title: lang.t(title),
        x_first: first,
        x_last: last,
        series: vec![Series {
            label: lang.t(title),
            class,
            points,
        }],
        levels: Vec::new(),
    })
}

fn render(lang: Lang, query: &Query, data: &Data) -> Markup {
    let chosen = query.region.as_deref().unwrap_or("");
    let percent = |v: Option<f64>| v.map(|r| r * 100.0);
    html! {
        form.filters method="get" action="/console/kpis" {
            label { (lang.t("worklist.region"))
                select name="region" {
                    option value="" { (lang.t("kpis.network")) }
                    @for (code, _) in &data.regions { option value=(code) selected[code == chosen] { (code) } }
                }
            }
            button type="submit" { (lang.t("worklist.filter")) }
        }
        div.columns.even {
            (weekly_chart(lang, data, "kpis.stockout_rate", "stockouts", |k| percent(k.stockout_rate)))
            (weekly_chart(lang, data, "kpis.fill_rate", "rate", |k| percent(k.unit_fill_rate)))
            (weekly_chart(lang, data, "kpis.inventory_value", "value", |k| k.inventory_value.to_f64()))
            (weekly_chart(lang, data, "kpis.turnover", "rate", |k| k.turnover))
        }
        h2 { (lang.t("kpis.by_region")) }
        table {
            thead { tr { th { (lang.t("worklist.region")) } th { (lang.t("kpis.lines")) } th { (lang.t("kpis.stockout_rate")) } th { (lang.t("kpis.fill_rate")) } th { (lang.t("kpis.inventory_value")) } th { (lang.t("kpis.turnover")) } th { (lang.t("kpis.open_proposals")) } th { (lang.t("kpis.late_pos")) } } }
            tbody { @for (code, k) in &data.regions { tr {
                td { (code) } td.num { (k.demand_lines) } td.num { (rate(k.stockout_rate)) } td.num { (rate(k.unit_fill_rate)) }
                td.num { (format!("{:.2}", k.inventory_value)) } td.num { (k.turnover.map_or_else(|| "–".to_owned(), |t| format!("{t:.2}"))) }
                td.num { (k.open_proposals) } td.num { (k.late_purchase_orders) }
            } } }
        }
        @if let Some(found) = &data.at_risk { (risk::render(lang, chosen, query.sort.as_deref(), found)) }
    }
}
