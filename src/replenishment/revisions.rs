//! Stable proposals: a run revises the open proposal of the same need in place (same id, new
//! figures, a revision count and what changed) instead of replacing it, so a day of review
//! survives the nightly run. A proposal a planner edited is locked: the run keeps its figures
//! and records beside it what it would propose now. A proposal no longer needed is withdrawn
//! with the reason.
//!
//! The need is (kind, warehouse, part, source): the source warehouse for transfers; for
//! purchases the supplier, else any open purchase of the pair (a pair has one purchase need
//! per run, and a planner may have switched its supplier).

use std::collections::HashMap;

use diesel::prelude::*;
use rust_decimal::Decimal;

use super::model::{ProposalChange, ProposalKind, ProposalStatus};
use super::planning::{Draft, PartInfo};
use super::proposals::{self, explanation_columns, from_json, kind_str, to_json, value_columns, Row, StoredEngine};
use super::{money_text, ReplenishmentSettings, Site};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::ids::{PairKey, PartId, WarehouseId};
use crate::schema::{proposals as pr, suppliers};
use crate::stock::ledger::Actor;

/// How a run found a pair it planned: its position and reorder point.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Assessed {
    pub position: i64,
    pub reorder_point: i64,
}

/// What a run did to the proposals of one chunk of parts.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Outcome {
    pub created: i64,
    pub revised: i64,
    pub withdrawn: i64,
}

impl Outcome {
    pub fn add(&mut self, other: Outcome) {
        self.created += other.created;
        self.revised += other.revised;
        self.withdrawn += other.withdrawn;
    }
}

/// Everything a chunk's reconciliation needs besides the connection.
pub(crate) struct Chunk<'a> {
    pub run_id: i64,
    pub parts: &'a [i64],
    pub drafts: &'a [Draft],
    pub assessed: &'a HashMap<PairKey, Assessed>,
    pub catalog: &'a HashMap<i64, PartInfo>,
    pub network: &'a HashMap<i64, Site>,
}

/// Reconciles a chunk's drafts with its open proposals: revise the matching ones, store the
/// new needs, withdraw the rest (a locked one only has its engine figure set to nothing).
pub(crate) fn reconcile(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    chunk: &Chunk<'_>,
    actor: &Actor,
) -> Result<Outcome, AppError> {
    let open: Vec<Row> = pr::table
        .filter(pr::status.eq(ProposalStatus::Open.as_str()))
        .filter(pr::part_id.eq_any(chunk.parts))
        .select(Row::as_select())
        .order(pr::id)
        .load(conn)?;
    let codes = supplier_codes(conn, &open, chunk.drafts)?;
    let mut taken = vec![false; open.len()];
    let mut outcome = Outcome::default();
    let mut auto = Vec::new();
    for draft in chunk.drafts {
        match find_match(&open, &taken, draft) {
            Some(i) => {
                taken[i] = true;
                let row = &open[i];
                if row.locked {
                    record_engine(conn, row, Some(draft), None, chunk.run_id)?;
                } else if revise(conn, row, draft, &codes, chunk.run_id)? {
                    outcome.revised += 1;
                }
            }
            None => {
                let id = proposals::insert_draft(conn, chunk.run_id, draft)?;
                outcome.created += 1;
                if proposals::auto_approves(settings, chunk.network, draft) {
                    auto.push(id);
                }
            }
        }
    }
    for (row, _) in open.iter().zip(&taken).filter(|(_, taken)| !**taken) {
        let reason = withdrawal_reason(row, chunk);
        if row.locked {
            record_engine(conn, row, None, Some(reason), chunk.run_id)?;
        } else {
            withdraw(conn, row.id, &reason, actor)?;
            outcome.withdrawn += 1;
        }
    }
    proposals::auto_approve(conn, settings, &auto, actor)?;
    Ok(outcome)
}

/// The open proposal this draft revises, if any (see the module comment).
fn find_match(open: &[Row], taken: &[bool], d: &Draft) -> Option<usize> {
    let same_need = |r: &Row| r.kind == kind_str(d.kind) && r.warehouse_id == d.warehouse_id && r.part_id == d.part_id;
    let same_source = |r: &Row| r.from_warehouse_id == d.from_warehouse_id && r.supplier_id == d.supplier_id;
    let free = |i: &usize| !taken[*i];
    let exact = (0..open.len())
        .filter(free)
        .find(|&i| same_need(&open[i]) && same_source(&open[i]));
    match d.kind {
        ProposalKind::Purchase => exact.or_else(|| (0..open.len()).filter(free).find(|&i| same_need(&open[i]))),
        ProposalKind::Transfer => exact,
    }
}

/// Supplier codes of the open rows and drafts, for the changes a revision records.
fn supplier_codes(conn: &mut AnyConnection, open: &[Row], drafts: &[Draft]) -> Result<HashMap<i64, String>, AppError> {
    let ids: Vec<i64> = open
        .iter()
        .filter_map(|r| r.supplier_id)
        .chain(drafts.iter().filter_map(|d| d.supplier_id))
        .collect();
    Ok(suppliers::table
        .filter(suppliers::id.eq_any(ids))
        .select((suppliers::id, suppliers::code))
        .load::<(i64, String)>(conn)?
        .into_iter()
        .collect())
}

/// The figures a revision changes, as a buyer reads them.
fn changes(row: &Row, d: &Draft, codes: &HashMap<i64, String>) -> Result<Vec<ProposalChange>, AppError> {
    let mut out = Vec::new();
    let mut note = |field: &str, from: String, to: String| {
        if from != to {
            out.push(ProposalChange {
                field: field.to_owned(),
                from,
                to,
            });
        }
    };
    note("quantity", row.quantity.to_string(), d.quantity.to_string());
    let code = |id: Option<i64>| id.and_then(|id| codes.get(&id).cloned()).unwrap_or_default();
    note("supplier", code(row.supplier_id), code(d.supplier_id));
    let before = crate::validate::stored_decimal(&row.unit_price)?;
    note("unit_price", format!("{before:.2}"), format!("{:.2}", d.unit_price));
    Ok(out)
}

/// Brings an unlocked proposal to the draft's figures; true when a figure changed (then the
/// revision counts up and `proposal.revised` is emitted). The explanation is always the
/// latest: positions move every day even when the quantity does not.
fn revise(
    conn: &mut AnyConnection,
    row: &Row,
    d: &Draft,
    codes: &HashMap<i64, String>,
    run_id: i64,
) -> Result<bool, AppError> {
    let changed = changes(row, d, codes)?;
    let now = db::now();
    let target = pr::table.find(row.id);
    diesel::update(target)
        .set((
            pr::quantity.eq(d.quantity),
            pr::supplier_id.eq(d.supplier_id),
            pr::unit_price.eq(money_text(d.unit_price)),
            value_columns(d.unit_price * Decimal::from(d.quantity)),
            explanation_columns(&d.explanation)?,
            pr::revised_at.eq(Some(now)),
            pr::revised_run_id.eq(Some(run_id)),
        ))
        .execute(conn)?;
    if changed.is_empty() {
        return Ok(false);
    }
    diesel::update(target)
        .set((
            pr::revision.eq(pr::revision + 1),
            pr::changes.eq(Some(to_json(&changed)?)),
        ))
        .execute(conn)?;
    let proposal = proposals::get(conn, row.id)?;
    crate::webhooks::enqueue(conn, "proposal.revised", &proposal)?;
    Ok(true)
}

/// Records beside a locked proposal what the engine proposes now (nothing, with `reason`,
/// when it sees no need).
fn record_engine(
    conn: &mut AnyConnection,
    row: &Row,
    draft: Option<&Draft>,
    reason: Option<String>,
    run_id: i64,
) -> Result<(), AppError> {
    let engine = match draft {
        Some(d) => StoredEngine {
            quantity: d.quantity,
            supplier_id: d.supplier_id,
            unit_price: d.unit_price,
            explanation: Some(d.explanation.clone()),
            reason: None,
            run_id: Some(run_id),
        },
        None => StoredEngine {
            quantity: 0,
            supplier_id: row.supplier_id,
            unit_price: crate::validate::stored_decimal(&row.unit_price)?,
            explanation: None,
            reason,
            run_id: Some(run_id),
        },
    };
    diesel::update(pr::table.find(row.id))
        .set((
            pr::engine.eq(Some(to_json(&engine)?)),
            pr::revised_at.eq(Some(db::now())),
            pr::revised_run_id.eq(Some(run_id)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Withdraws an open proposal with its reason and emits `proposal.withdrawn`.
pub(crate) fn withdraw(conn: &mut AnyConnection, id: i64, reason: &str, actor: &Actor) -> Result<(), AppError> {
    diesel::update(pr::table.find(id))
        .set((
            pr::status.eq(ProposalStatus::Withdrawn.as_str()),
            pr::reason.eq(Some(reason.to_owned())),
            pr::decided_at.eq(Some(db::now())),
            pr::decided_by.eq(Some(actor.name.clone())),
        ))
        .execute(conn)?;
    let proposal = proposals::get(conn, id)?;
    crate::webhooks::enqueue(conn, "proposal.withdrawn", &proposal)?;
    Ok(())
}

/// Why the run has no need for this proposal any more, in a buyer's words.
fn withdrawal_reason(row: &Row, chunk: &Chunk<'_>) -> String {
    let name = |id: i64| {
        chunk
            .catalog
            .get(&id)
            .map(|p| p.part_number.clone())
            .unwrap_or_default()
    };
    if let Some(part) = chunk.catalog.get(&row.part_id) {
        if part.successor != row.part_id {
            return format!(
                "{} is replaced by {}: its demand is planned on the successor",
                part.part_number,
                name(part.successor)
            );
        }
    }
    match chunk
        .assessed
        .get(&PairKey::new(WarehouseId(row.warehouse_id), PartId(row.part_id)))
    {
        None => "no stock policy for this warehouse and part any more".to_owned(),
        Some(a) if a.position > a.reorder_point => format!(
            "no longer needed: the position {} is above the reorder point {}",
            a.position, a.reorder_point
        ),
        Some(_) if row.kind() == ProposalKind::Transfer => {
            "the source has no stock to spare for it any more; the need is covered another way".to_owned()
        }
        Some(_) => "the need is covered another way (a transfer or another order)".to_owned(),
    }
}

/// The stored explanation of a row, for the edit that locks it.
pub(crate) fn engine_snapshot(row: &Row) -> Result<StoredEngine, AppError> {
    Ok(StoredEngine {
        quantity: row.quantity,
        supplier_id: row.supplier_id,
        unit_price: crate::validate::stored_decimal(&row.unit_price)?,
        explanation: Some(from_json(&row.explanation)?),
        reason: None,
        run_id: None,
    })
}
