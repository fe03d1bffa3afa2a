//! Listing proposals: the filter (status, kind, region, warehouse, supplier, part,
//! criticality, edited, value) and the order (id, value, urgency, days of cover), paged by a
//! cursor holding the last row's sort key, so pages stay stable while rows are added.

use diesel::dsl::{AsSelect, SqlTypeOf};
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize;
use utoipa::ToSchema;

use super::model::{Proposal, ProposalFilter};
use super::proposals::{kind_str, to_proposals, Row};
use super::{money_cents, sites};
use crate::db::{AnyConnection, MultiBackend};
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::schema::{parts, proposals as pr, regions, suppliers};

/// The order of a proposal list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProposalSort {
    /// Oldest first (the default).
    #[default]
    Id,
    /// Highest value first.
    Value,
    /// Most urgent first: the lowest expected fill rate without the proposal.
    Urgency,
    /// Fewest days of cover first; proposals without forecast demand last.
    Cover,
}

impl ProposalSort {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalSort::Id => "id",
            ProposalSort::Value => "value",
            ProposalSort::Urgency => "urgency",
            ProposalSort::Cover => "cover",
        }
    }
}

/// What a list orders by, read beside the row for the next page's cursor.
#[derive(Debug, Clone, Copy, Queryable, Selectable)]
#[diesel(table_name = pr)]
struct Keys {
    id: i64,
    value_cents: i64,
    cover_days: Option<f64>,
    fill_rate_without: f64,
}

type Selection = (AsSelect<Row, MultiBackend>, AsSelect<Keys, MultiBackend>);
type Query<'a> = pr::BoxedQuery<'a, MultiBackend, SqlTypeOf<Selection>>;

/// A value bound of the list filter in cents; bounds are compared in whole cents, so more
/// decimal places would be silently rounded: they are refused instead.
fn cents_bound(field: &str, value: Decimal) -> Result<i64, AppError> {
    if value.normalize().scale() > 2 {
        return Err(AppError::validation(field, "must have at most 2 decimal places"));
    }
    Ok(money_cents(value))
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &ProposalFilter,
    scope: Option<&[String]>,
) -> Result<(Vec<Proposal>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    use crate::catalog::filters::{require, Code};
    require(
        conn,
        &[
            Code::Warehouse("warehouse", filter.warehouse.as_deref()),
            Code::Region("region", filter.region.as_deref()),
            Code::Part("part_number", filter.part_number.as_deref()),
            Code::Supplier("supplier", filter.supplier.as_deref()),
        ],
    )?;
    let sort = filter.sort.unwrap_or_default();
    let query = filtered(conn, filter, scope)?;
    let query = ordered(query, sort, page.cursor.as_deref())?.limit(page.fetch_limit());
    let rows: Vec<(Row, Keys)> = query.load(conn)?;
    let (rows, next) = page.finish(rows, |(_, keys)| cursor_of(sort, keys));
    Ok((
        to_proposals(conn, rows.into_iter().map(|(row, _)| row).collect())?,
        next,
    ))
}

/// The ids of every proposal matching `filter` (its order and paging ignored), at most `cap`:
/// the console's "all matching the filter".
pub fn matching_ids(
    conn: &mut AnyConnection,
    filter: &ProposalFilter,
    scope: Option<&[String]>,
    cap: i64,
) -> Result<Vec<i64>, AppError> {
    let query = filtered(conn, filter, scope)?.order(pr::id).limit(cap);
    let rows: Vec<(Row, Keys)> = query.load(conn)?;
    Ok(rows.into_iter().map(|(_, keys)| keys.id).collect())
}

/// The row's sort key and id: where the next page starts.
fn cursor_of(sort: ProposalSort, r: &Keys) -> String {
    match sort {
        ProposalSort::Id => r.id.to_string(),
        ProposalSort::Value => format!("{}:{}", r.value_cents, r.id),
        ProposalSort::Urgency => format!("{}:{}", r.fill_rate_without, r.id),
        ProposalSort::Cover => match r.cover_days {
            Some(days) => format!("{days}:{}", r.id),
            None => format!("none:{}", r.id),
        },
    }
}

fn bad_cursor() -> AppError {
    AppError::validation("cursor", "is not a valid cursor")
}

/// A `key:id` cursor's two halves.
fn split_cursor(cursor: &str) -> Result<(&str, i64), AppError> {
    let (key, id) = cursor.rsplit_once(':').ok_or_else(bad_cursor)?;
    Ok((key, id.parse().map_err(|_| bad_cursor())?))
}

fn ordered<'a>(query: Query<'a>, sort: ProposalSort, cursor: Option<&str>) -> Result<Query<'a>, AppError> {
    let float = |key: &str| key.parse::<f64>().ok().filter(|v| v.is_finite()).ok_or_else(bad_cursor);
    Ok(match (sort, cursor) {
        (ProposalSort::Id, None) => query.order(pr::id),
        (ProposalSort::Id, Some(c)) => query
            .order(pr::id)
            .filter(pr::id.gt(c.parse::<i64>().map_err(|_| bad_cursor())?)),
        (ProposalSort::Value, c) => {
            let query = query.order((pr::value_cents.desc(), pr::id));
            match c.map(split_cursor).transpose()? {
                None => query,
                Some((key, id)) => {
                    let cents: i64 = key.parse().map_err(|_| bad_cursor())?;
                    query.filter(
                        pr::value_cents
                            .lt(cents)
                            .or(pr::value_cents.eq(cents).and(pr::id.gt(id))),
                    )
                }
            }
        }
        (ProposalSort::Urgency, c) => {
            let query = query.order((pr::fill_rate_without, pr::id));
            match c.map(split_cursor).transpose()? {
                None => query,
                Some((key, id)) => {
                    let rate = float(key)?;
                    query.filter(
                        pr::fill_rate_without
                            .gt(rate)
                            .or(pr::fill_rate_without.eq(rate).and(pr::id.gt(id))),
                    )
                }
            }
        }
        (ProposalSort::Cover, c) => {
            // NULL (no forecast demand) sorts last on both backends: false before true.
            let query = query.order((pr::cover_days.is_null(), pr::cover_days, pr::id));
            match c.map(split_cursor).transpose()? {
                None => query,
                Some(("none", id)) => query.filter(pr::cover_days.is_null().and(pr::id.gt(id))),
                Some((key, id)) => {
                    let days = float(key)?;
                    query.filter(
                        pr::cover_days
                            .gt(days)
                            .or(pr::cover_days.eq(days).and(pr::id.gt(id)))
                            .or(pr::cover_days.is_null()),
                    )
                }
            }
        }
    })
}

/// The filter's conditions on a boxed query; each code that names nothing matches nothing.
fn filtered<'a>(
    conn: &mut AnyConnection,
    filter: &ProposalFilter,
    scope: Option<&[String]>,
) -> Result<Query<'a>, AppError> {
    let min_cents = filter.min_value.map(|v| cents_bound("min_value", v)).transpose()?;
    let max_cents = filter.max_value.map(|v| cents_bound("max_value", v)).transpose()?;
    if let (Some(min), Some(max)) = (min_cents, max_cents) {
        if max < min {
            return Err(AppError::validation("max_value", "must not be less than min_value"));
        }
    }
    let network = sites(conn)?;
    let mut query = pr::table.select((Row::as_select(), Keys::as_select())).into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(pr::status.eq(status.as_str()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(pr::kind.eq(kind_str(kind)));
    }
    if let Some(code) = &filter.region {
        let region: Option<i64> = regions::table
            .filter(regions::code.eq(code))
            .select(regions::id)
            .first(conn)
            .optional()?;
        query = query.filter(pr::region_id.eq(region.unwrap_or(-1)));
    }
    let site_id = |code: &str| network.values().find(|s| s.code == code).map_or(-1, |s| s.id);
    if let Some(code) = &filter.warehouse {
        query = query.filter(pr::warehouse_id.eq(site_id(code)));
    }
    if let Some(codes) = scope {
        let ids: Vec<i64> = codes.iter().map(|c| site_id(c)).collect();
        query = query.filter(pr::warehouse_id.eq_any(ids));
    }
    if let Some(code) = &filter.supplier {
        let id: Option<i64> = suppliers::table
            .filter(suppliers::code.eq(code))
            .select(suppliers::id)
            .first(conn)
            .optional()?;
        query = query.filter(pr::supplier_id.eq(id.unwrap_or(-1)));
    }
    if let Some(pn) = &filter.part_number {
        let id: Option<i64> = parts::table
            .filter(parts::part_number.eq(pn))
            .select(parts::id)
            .first(conn)
            .optional()?;
        query = query.filter(pr::part_id.eq(id.unwrap_or(-1)));
    }
    if let Some(class) = filter.criticality {
        let ids: Vec<i64> = parts::table
            .filter(parts::criticality.eq(class.as_str()))
            .select(parts::id)
            .load(conn)?;
        query = query.filter(pr::part_id.eq_any(ids));
    }
    if let Some(edited) = filter.edited {
        // A planner's edit locks the proposal against the next run: that is the edited mark.
        query = query.filter(pr::locked.eq(edited));
    }
    // Value bounds go into the query (on the cents column) so that every page is full while
    // matches remain.
    if let Some(min) = min_cents {
        query = query.filter(pr::value_cents.ge(min));
    }
    if let Some(max) = max_cents {
        query = query.filter(pr::value_cents.le(max));
    }
    Ok(query)
}
