//! The proposal workflow: list, edit, approve (one or many), reject. Approval turns purchases
//! into purchase orders (one per supplier and destination) and transfers into transfer
//! documents (one per lane), in the approval's transaction.

use std::collections::HashMap;

use diesel::dsl;
use diesel::prelude::*;
use rust_decimal::Decimal;

pub use super::approval::approve_many;
use super::model::{Binding, EngineFigure, Explanation, Proposal, ProposalChange, ProposalKind, ProposalStatus};
use super::planning::Draft;
use super::{money_cents, money_text, sites, ReplenishmentSettings, Site};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::{parts, proposals as pr, suppliers};
use crate::stock::ledger::Actor;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = pr)]
pub(crate) struct Row {
    pub id: i64,
    pub run_id: i64,
    pub kind: String,
    pub status: String,
    pub warehouse_id: i64,
    pub part_id: i64,
    pub from_warehouse_id: Option<i64>,
    pub supplier_id: Option<i64>,
    pub region_id: i64,
    pub quantity: i64,
    pub unit_price: String,
    pub value: String,
    pub explanation: String,
    pub reason: Option<String>,
    pub auto_approved: bool,
    pub purchase_order_id: Option<i64>,
    pub transfer_id: Option<i64>,
    pub created_at: chrono::NaiveDateTime,
    pub decided_at: Option<chrono::NaiveDateTime>,
    pub decided_by: Option<String>,
    pub revision: i64,
    pub changes: Option<String>,
    pub revised_at: Option<chrono::NaiveDateTime>,
    pub revised_run_id: Option<i64>,
    pub locked: bool,
    pub engine: Option<String>,
    pub binding: String,
}

impl Row {
    pub(crate) fn kind(&self) -> ProposalKind {
        if self.kind == "transfer" {
            ProposalKind::Transfer
        } else {
            ProposalKind::Purchase
        }
    }

    pub(crate) fn stored_engine(&self) -> Result<Option<StoredEngine>, AppError> {
        self.engine.as_deref().map(from_json).transpose()
    }
}

/// The engine's figure beside a locked proposal, as stored (ids, not codes).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct StoredEngine {
    pub quantity: i64,
    pub supplier_id: Option<i64>,
    pub unit_price: Decimal,
    pub explanation: Option<Explanation>,
    pub reason: Option<String>,
    pub run_id: Option<i64>,
}

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.into()))
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, AppError> {
    serde_json::from_str(text).map_err(|e| AppError::Internal(e.into()))
}

pub(crate) fn kind_str(kind: ProposalKind) -> &'static str {
    match kind {
        ProposalKind::Transfer => "transfer",
        ProposalKind::Purchase => "purchase",
    }
}

/// Names for the ids a proposal row holds.
pub(crate) struct Names {
    sites: HashMap<i64, Site>,
    pub(crate) parts: HashMap<i64, String>,
    suppliers: HashMap<i64, String>,
}

impl Names {
    pub(crate) fn load(conn: &mut AnyConnection, rows: &[Row]) -> Result<Self, AppError> {
        let part_ids: Vec<i64> = rows.iter().map(|r| r.part_id).collect();
        let mut supplier_ids: Vec<i64> = rows.iter().filter_map(|r| r.supplier_id).collect();
        for row in rows {
            if let Some(engine) = row.stored_engine()? {
                supplier_ids.extend(engine.supplier_id);
            }
        }
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

    pub(crate) fn site(&self, id: i64) -> String {
        self.sites.get(&id).map(|s| s.code.clone()).unwrap_or_default()
    }

    pub(crate) fn supplier(&self, id: Option<i64>) -> Option<String> {
        id.and_then(|id| self.suppliers.get(&id).cloned())
    }

    fn to_proposal(&self, r: Row) -> Result<Proposal, AppError> {
        let region = self
            .sites
            .values()
            .find(|s| s.region_id == r.region_id)
            .map(|s| s.region.clone())
            .unwrap_or_default();
        let supplier = self.supplier(r.supplier_id);
        let engine = r.stored_engine()?.map(|e| EngineFigure {
            quantity: e.quantity,
            supplier: self.supplier(e.supplier_id),
            value: e.unit_price * Decimal::from(e.quantity),
            unit_price: e.unit_price,
            explanation: e.explanation,
            reason: e.reason,
            run_id: e.run_id,
        });
        let changes: Vec<ProposalChange> = r.changes.as_deref().map(from_json).transpose()?.unwrap_or_default();
        Ok(Proposal {
            id: r.id,
            run_id: r.run_id,
            kind: r.kind(),
            status: ProposalStatus::from_stored(&r.status)?,
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
            binding: Binding::from_stored(&r.binding)?,
            explanation: from_json(&r.explanation)?,
            reason: r.reason,
            revision: r.revision,
            changes,
            revised_at: r.revised_at.map(|t| t.and_utc()),
            revised_run_id: r.revised_run_id,
            locked: r.locked,
            engine,
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
pub(crate) fn value_columns(value: Decimal) -> (dsl::Eq<pr::value, String>, dsl::Eq<pr::value_cents, i64>) {
    (pr::value.eq(money_text(value)), pr::value_cents.eq(money_cents(value)))
}

/// The explanation's columns: the JSON itself and what lists filter and sort on (binding, days
/// of cover, fill rate without the proposal). Every write of `explanation` goes through here
/// so they never disagree.
pub(crate) fn explanation_columns(e: &Explanation) -> Result<ExplanationColumns, AppError> {
    Ok((
        pr::explanation.eq(to_json(e)?),
        pr::binding.eq(e.binding.as_str()),
        pr::cover_days.eq(e.days_of_cover),
        pr::fill_rate_without.eq(e.fill_rate_without),
    ))
}

pub(crate) type ExplanationColumns = (
    dsl::Eq<pr::explanation, String>,
    dsl::Eq<pr::binding, &'static str>,
    dsl::Eq<pr::cover_days, Option<f64>>,
    dsl::Eq<pr::fill_rate_without, f64>,
);

pub(crate) fn to_proposals(conn: &mut AnyConnection, rows: Vec<Row>) -> Result<Vec<Proposal>, AppError> {
    let names = Names::load(conn, &rows)?;
    rows.into_iter().map(|r| names.to_proposal(r)).collect()
}

/// Parts with open proposals.
pub(crate) fn open_parts(conn: &mut AnyConnection) -> Result<Vec<i64>, AppError> {
    Ok(pr::table
        .filter(pr::status.eq(ProposalStatus::Open.as_str()))
        .select(pr::part_id)
        .distinct()
        .load(conn)?)
}

/// Stores a new proposal (revision 1) and emits `proposal.created`; returns its id.
pub(crate) fn insert_draft(conn: &mut AnyConnection, run_id: i64, d: &Draft) -> Result<i64, AppError> {
    let value = d.unit_price * Decimal::from(d.quantity);
    let id: i64 = diesel::insert_into(pr::table)
        .values((
            pr::run_id.eq(run_id),
            pr::kind.eq(kind_str(d.kind)),
            pr::status.eq(ProposalStatus::Open.as_str()),
            pr::warehouse_id.eq(d.warehouse_id),
            pr::part_id.eq(d.part_id),
            pr::from_warehouse_id.eq(d.from_warehouse_id),
            pr::supplier_id.eq(d.supplier_id),
            pr::region_id.eq(d.region_id),
            pr::quantity.eq(d.quantity),
            pr::unit_price.eq(money_text(d.unit_price)),
            value_columns(value),
            explanation_columns(&d.explanation)?,
            pr::auto_approved.eq(false),
            pr::created_at.eq(db::now()),
            pr::revision.eq(1i64),
            pr::revised_run_id.eq(Some(run_id)),
            pr::locked.eq(false),
        ))
        .returning(pr::id)
        .get_result(conn)?;
    let proposal = get(conn, id)?;
    crate::webhooks::enqueue(conn, "proposal.created", &proposal)?;
    Ok(id)
}

/// Whether the auto-approval rules approve this new proposal at once.
pub(crate) fn auto_approves(settings: &ReplenishmentSettings, network: &HashMap<i64, Site>, d: &Draft) -> bool {
    match d.kind {
        ProposalKind::Purchase => settings
            .auto_approve_below
            .is_some_and(|limit| d.unit_price * Decimal::from(d.quantity) < limit),
        ProposalKind::Transfer => {
            settings.auto_approve_regional_transfers
                && d.from_warehouse_id
                    .and_then(|f| network.get(&f))
                    .is_some_and(|f| f.region_id == d.region_id)
        }
    }
}

/// Marks these proposals auto-approved and approves them.
pub(crate) fn auto_approve(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    ids: &[i64],
    actor: &Actor,
) -> Result<(), AppError> {
    if ids.is_empty() {
        return Ok(());
    }
    diesel::update(pr::table.filter(pr::id.eq_any(ids)))
        .set(pr::auto_approved.eq(true))
        .execute(conn)?;
    approve_many(conn, ids, settings.over_receipt_pct, actor)?;
    Ok(())
}

/// The stored row of a proposal; 404 when there is none.
fn load_row(conn: &mut AnyConnection, id: i64) -> Result<Row, AppError> {
    pr::table
        .find(id)
        .select(Row::as_select())
        .first(conn)
        .optional()?
        .ok_or_else(|| AppError::not_found("proposal", id.to_string()))
}

pub use super::listing::list;

pub fn get(conn: &mut AnyConnection, id: i64) -> Result<Proposal, AppError> {
    let row = load_row(conn, id)?;
    Ok(to_proposals(conn, vec![row])?.remove(0))
}

pub(crate) fn load_open(conn: &mut AnyConnection, id: i64) -> Result<Row, AppError> {
    let row = load_row(conn, id)?;
    if row.status != ProposalStatus::Open.as_str() {
        return Err(AppError::InvalidState(format!(
            "proposal {id} is {}, not open",
            row.status
        )));
    }
    Ok(row)
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
