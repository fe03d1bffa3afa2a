//! The proposal workflow: list, edit, approve (one or many), reject. Approval turns purchases
//! into purchase orders (one per supplier and destination) and transfers into transfer
//! documents (one per lane), in the approval's transaction.

use std::collections::{BTreeMap, HashMap};

use diesel::dsl;
use diesel::prelude::*;
use rust_decimal::Decimal;

use super::model::{BulkApproved, Explanation, Proposal, ProposalEdit, ProposalFilter, ProposalKind, ProposalStatus};
use super::planning::{Draft, PartInfo};
use super::{money_cents, money_text, purchase_orders, sites, ReplenishmentSettings, Site};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::pagination::PageRequest;
use crate::reservations::model::LineInput;
use crate::schema::{parts, proposals as pr, regions, supplier_parts as sp, suppliers};
use crate::stock::ledger::Actor;
use crate::transfers::{model::TransferInput, service as transfers};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pr)]
struct Row {
    id: i64,
    run_id: i64,
    kind: String,
    status: String,
    warehouse_id: i64,
    part_id: i64,
    from_warehouse_id: Option<i64>,
    supplier_id: Option<i64>,
    region_id: i64,
    quantity: i64,
    unit_price: String,
    value: String,
    explanation: String,
    reason: Option<String>,
    auto_approved: bool,
    purchase_order_id: Option<i64>,
    transfer_id: Option<i64>,
    created_at: chrono::NaiveDateTime,
    decided_at: Option<chrono::NaiveDateTime>,
    decided_by: Option<String>,
}

/// Names for the ids a proposal row holds.
struct Names {
    sites: HashMap<i64, Site>,
    parts: HashMap<i64, String>,
    suppliers: HashMap<i64, String>,
}

impl Names {
    fn load(conn: &mut AnyConnection, rows: &[Row]) -> Result<Self, AppError> {
        let part_ids: Vec<i64> = rows.iter().map(|r| r.part_id).collect();
        let supplier_ids: Vec<i64> = rows.iter().filter_map(|r| r.supplier_id).collect();
        Ok(Names {
            sites: sites(conn)?,
            parts: parts::table
                .filter(parts::id.eq_any(part_ids))
                .select((parts::id, parts::part_number))
                .load::<(i64, String)>(conn)?
                .into_iter()
                .collect(),
            suppliers: suppliers::table
                .filter(suppliers::id.eq_any(supplier_ids))
                .select((suppliers::id, suppliers::code))
                .load::<(i64, String)>(conn)?
                .into_iter()
                .collect(),
        })
    }

    fn site(&self, id: i64) -> String {
        self.sites.get(&id).map(|s| s.code.clone()).unwrap_or_default()
    }

    fn to_proposal(&self, r: Row) -> Result<Proposal, AppError> {
        let region = self
            .sites
            .values()
            .find(|s| s.region_id == r.region_id)
            .map(|s| s.region.clone())
            .unwrap_or_default();
        let supplier = r.supplier_id.and_then(|id| self.suppliers.get(&id).cloned());
        let explanation: Explanation =
            serde_json::from_str(&r.explanation).map_err(|e| AppError::Internal(e.into()))?;
        Ok(Proposal {
            id: r.id,
            run_id: r.run_id,
            kind: if r.kind == "transfer" {
                ProposalKind::Transfer
            } else {
                ProposalKind::Purchase
            },
            status: ProposalStatus::from_stored(&r.status),
            warehouse: self.site(r.warehouse_id),
            consolidation: match &supplier {
                Some(s) => format!("{s}|{region}"),
                None => format!("transfer|{region}"),
            },
            region,
            part_number: self.parts.get(&r.part_id).cloned().unwrap_or_default(),
            from_warehouse: r.from_warehouse_id.map(|id| self.site(id)),
            supplier,
            quantity: r.quantity,
            unit_price: crate::validate::stored_decimal(&r.unit_price)?,
            value: crate::validate::stored_decimal(&r.value)?,
            explanation,
            reason: r.reason,
            auto_approved: r.auto_approved,
            purchase_order_id: r.purchase_order_id,
            transfer_id: r.transfer_id,
            created_at: r.created_at.and_utc(),
            decided_at: r.decided_at.map(|t| t.and_utc()),
            decided_by: r.decided_by,
        })
    }
}

/// The two columns a proposal's value is stored in: the exact decimal and whole cents (for
/// filtering in SQL). Every write of `value` goes through here so they never disagree.
fn value_columns(value: Decimal) -> (dsl::Eq<pr::value, String>, dsl::Eq<pr::value_cents, i64>) {
    (pr::value.eq(money_text(value)), pr::value_cents.eq(money_cents(value)))
}

/// A value bound of the list filter in cents; bounds are compared in whole cents, so more
/// decimal places would be silently rounded: they are refused instead.
fn cents_bound(field: &str, value: Decimal) -> Result<i64, AppError> {
    if value.normalize().scale() > 2 {
        return Err(AppError::validation(field, "must have at most 2 decimal places"));
    }
    Ok(money_cents(value))
}

fn to_proposals(conn: &mut AnyConnection, rows: Vec<Row>) -> Result<Vec<Proposal>, AppError> {
    let names = Names::load(conn, &rows)?;
    rows.into_iter().map(|r| names.to_proposal(r)).collect()
}

/// Marks the open proposals of these parts superseded (a newer run replaces them).
pub fn supersede_open(conn: &mut AnyConnection, part_ids: &[i64]) -> Result<usize, AppError> {
    Ok(diesel::update(
        pr::table
            .filter(pr::status.eq(ProposalStatus::Open.as_str()))
            .filter(pr::part_id.eq_any(part_ids)),
    )
    .set((
        pr::status.eq(ProposalStatus::Superseded.as_str()),
        pr::decided_at.eq(Some(db::now())),
    ))
    .execute(conn)?)
}

/// Stores a run's proposals, emits `proposal.created` and applies the auto-approval rules.
pub(crate) fn store_drafts(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    run_id: i64,
    drafts: &[Draft],
    network: &HashMap<i64, Site>,
    _catalog: &HashMap<i64, PartInfo>,
    actor: &Actor,
) -> Result<(), AppError> {
    let now = db::now();
    let mut auto = Vec::new();
    for d in drafts {
        let value = d.unit_price * Decimal::from(d.quantity);
        let explanation = serde_json::to_string(&d.explanation).map_err(|e| AppError::Internal(e.into()))?;
        let id: i64 = diesel::insert_into(pr::table)
            .values((
                pr::run_id.eq(run_id),
                pr::kind.eq(if d.kind == ProposalKind::Transfer {
                    "transfer"
                } else {
                    "purchase"
                }),
                pr::status.eq(ProposalStatus::Open.as_str()),
                pr::warehouse_id.eq(d.warehouse_id),
                pr::part_id.eq(d.part_id),
                pr::from_warehouse_id.eq(d.from_warehouse_id),
                pr::supplier_id.eq(d.supplier_id),
                pr::region_id.eq(d.region_id),
                pr::quantity.eq(d.quantity),
                pr::unit_price.eq(money_text(d.unit_price)),
                value_columns(value),
                pr::explanation.eq(explanation),
                pr::auto_approved.eq(false),
                pr::created_at.eq(now),
            ))
            .returning(pr::id)
            .get_result(conn)?;
        let rule = match d.kind {
            ProposalKind::Purchase => settings.auto_approve_below.is_some_and(|limit| value < limit),
            ProposalKind::Transfer => {
                settings.auto_approve_regional_transfers
                    && d.from_warehouse_id
                        .and_then(|f| network.get(&f))
                        .is_some_and(|f| f.region_id == d.region_id)
            }
        };
        if rule {
            auto.push(id);
        }
        let proposal = get(conn, id)?;
        crate::webhooks::enqueue(conn, "proposal.created", &proposal)?;
    }
    if !auto.is_empty() {
        diesel::update(pr::table.filter(pr::id.eq_any(&auto)))
            .set(pr::auto_approved.eq(true))
            .execute(conn)?;
        approve_many(conn, &auto, actor)?;
    }
    Ok(())
}

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<Proposal, AppError> {
    let row: Row = pr::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("proposal", id.to_string()))?;
    Ok(to_proposals(conn, vec![row])?.remove(0))
}

pub fn list(
    conn: &mut AnyConnection,
    filter: &ProposalFilter,
    scope: Option<&[String]>,
) -> Result<(Vec<Proposal>, Option<String>), AppError> {
    let page = PageRequest::parse(filter.limit, filter.cursor.as_deref())?;
    let min_cents = filter.min_value.map(|v| cents_bound("min_value", v)).transpose()?;
    let max_cents = filter.max_value.map(|v| cents_bound("max_value", v)).transpose()?;
    if let (Some(min), Some(max)) = (min_cents, max_cents) {
        if max < min {
            return Err(AppError::validation("max_value", "must not be less than min_value"));
        }
    }
    let network = sites(conn)?;
    let mut query = pr::table
        .select(Row::as_select())
        .order(pr::id)
        .limit(page.fetch_limit())
        .into_boxed();
    if let Some(status) = filter.status {
        query = query.filter(pr::status.eq(status.as_str()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(pr::kind.eq(if kind == ProposalKind::Transfer {
            "transfer"
        } else {
            "purchase"
        }));
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
    // Value bounds go into the query (on the cents column) so that every page is full while
    // matches remain.
    if let Some(min) = min_cents {
        query = query.filter(pr::value_cents.ge(min));
    }
    if let Some(max) = max_cents {
        query = query.filter(pr::value_cents.le(max));
    }
    if let Some(after) = page.id_cursor()? {
        query = query.filter(pr::id.gt(after));
    }
    let rows: Vec<Row> = query.load(conn)?;
    let (rows, next) = page.finish(rows, |r| r.id.to_string());
    Ok((to_proposals(conn, rows)?, next))
}

fn load_open(conn: &mut AnyConnection, id: i64) -> Result<Row, AppError> {
    let row: Row = pr::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("proposal", id.to_string()))?;
    if row.status != ProposalStatus::Open.as_str() {
        return Err(AppError::InvalidState(format!(
            "proposal {id} is {}, not open",
            row.status
        )));
    }
    Ok(row)
}

/// Changes the quantity (and, for purchases, the supplier) of an open proposal.
pub fn edit(conn: &mut AnyConnection, id: i64, input: &ProposalEdit) -> Result<Proposal, AppError> {
    let row = load_open(conn, id)?;
    let quantity = match input.quantity {
        Some(q) => crate::validate::positive("quantity", q)?,
        None => row.quantity,
    };
    let (supplier_id, unit_price) = match &input.supplier {
        None => (row.supplier_id, crate::validate::stored_decimal(&row.unit_price)?),
        Some(_) if row.kind == "transfer" => {
            return Err(AppError::validation("supplier", "does not apply to transfer proposals"))
        }
        Some(code) => {
            let supplier = crate::catalog::suppliers::resolve(conn, "supplier", code)?;
            let price: Option<String> = sp::table
                .filter(sp::supplier_id.eq(supplier.id))
                .filter(sp::part_id.eq(row.part_id))
                .select(sp::unit_price)
                .first(conn)
                .optional()?;
            let price = price.ok_or_else(|| AppError::validation("supplier", "has no terms for this part"))?;
            (Some(supplier.id), crate::validate::stored_decimal(&price)?)
        }
    };
    diesel::update(pr::table.find(id))
        .set((
            pr::quantity.eq(quantity),
            pr::supplier_id.eq(supplier_id),
            pr::unit_price.eq(money_text(unit_price)),
            value_columns(unit_price * Decimal::from(quantity)),
        ))
        .execute(conn)?;
    get(conn, id)
}

pub fn reject(conn: &mut AnyConnection, id: i64, reason: &str, actor: &Actor) -> Result<Proposal, AppError> {
    let reason = crate::validate::text("reason", reason, 500)?;
    load_open(conn, id)?;
    diesel::update(pr::table.find(id))
        .set((
            pr::status.eq(ProposalStatus::Rejected.as_str()),
            pr::reason.eq(Some(reason)),
            pr::decided_at.eq(Some(db::now())),
            pr::decided_by.eq(Some(actor.name.clone())),
        ))
        .execute(conn)?;
    get(conn, id)
}

/// Approves open proposals (all or none): purchases become purchase orders, one per supplier
/// and destination warehouse; transfers become transfer documents, one per lane.
pub fn approve_many(conn: &mut AnyConnection, ids: &[i64], actor: &Actor) -> Result<BulkApproved, AppError> {
    if ids.is_empty() {
        return Err(AppError::validation("ids", "must not be empty"));
    }
    let mut rows = Vec::with_capacity(ids.len());
    for (i, id) in ids.iter().enumerate() {
        if ids[..i].contains(id) {
            return Err(AppError::validation(format!("ids[{i}]"), "is listed twice"));
        }
        rows.push(load_open(conn, *id)?);
    }
    let names = Names::load(conn, &rows)?;
    let mut orders: BTreeMap<(i64, i64), Vec<&Row>> = BTreeMap::new();
    let mut lanes: BTreeMap<(i64, i64), Vec<&Row>> = BTreeMap::new();
    for row in &rows {
        match (row.kind.as_str(), row.supplier_id, row.from_warehouse_id) {
            ("transfer", _, Some(from)) => lanes.entry((from, row.warehouse_id)).or_default().push(row),
            (_, Some(supplier), _) => orders.entry((supplier, row.warehouse_id)).or_default().push(row),
            _ => return Err(AppError::InvalidState(format!("proposal {} has no source", row.id))),
        }
    }
    let now = db::now();
    let mut result = BulkApproved {
        approved: Vec::new(),
        purchase_orders: Vec::new(),
        transfers: Vec::new(),
    };
    for ((supplier, warehouse), group) in &orders {
        let mut lines = Vec::new();
        for r in group {
            lines.push((r.part_id, r.quantity, crate::validate::stored_decimal(&r.unit_price)?));
        }
        let po = purchase_orders::create(conn, *supplier, *warehouse, &lines, actor)?;
        let group_ids: Vec<i64> = group.iter().map(|r| r.id).collect();
        diesel::update(pr::table.filter(pr::id.eq_any(&group_ids)))
            .set(pr::purchase_order_id.eq(Some(po)))
            .execute(conn)?;
        result.purchase_orders.push(po);
    }
    for ((from, to), group) in &lanes {
        let mut quantities: BTreeMap<String, i64> = BTreeMap::new();
        for r in group {
            *quantities
                .entry(names.parts.get(&r.part_id).cloned().unwrap_or_default())
                .or_default() += r.quantity;
        }
        let input = TransferInput {
            from: names.site(*from),
            to: names.site(*to),
            lines: quantities
                .into_iter()
                .map(|(part_number, quantity)| LineInput { part_number, quantity })
                .collect(),
            note: Some("replenishment proposal".to_owned()),
        };
        let transfer = transfers::create(conn, actor, &input)?;
        let group_ids: Vec<i64> = group.iter().map(|r| r.id).collect();
        diesel::update(pr::table.filter(pr::id.eq_any(&group_ids)))
            .set(pr::transfer_id.eq(Some(transfer.id)))
            .execute(conn)?;
        result.transfers.push(transfer.id);
    }
    diesel::update(pr::table.filter(pr::id.eq_any(ids)))
        .set((
            pr::status.eq(ProposalStatus::Approved.as_str()),
            pr::decided_at.eq(Some(now)),
            pr::decided_by.eq(Some(actor.name.clone())),
        ))
        .execute(conn)?;
    for id in ids {
        let proposal = get(conn, *id)?;
        crate::webhooks::enqueue(conn, "proposal.approved", &proposal)?;
        result.approved.push(proposal);
    }
    Ok(result)
}
