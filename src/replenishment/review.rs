//! A planner's review of an open proposal: edit it (which locks it against runs), take the
//! engine's figure instead, or unlock it so runs revise it again.

use diesel::prelude::*;
use rust_decimal::Decimal;

use super::model::{Proposal, ProposalChange, ProposalEdit};
use super::money_text;
use super::proposals::{self, load_open, to_json, value_columns, Row, StoredEngine};
use super::revisions::{engine_snapshot, withdraw};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::{proposals as pr, supplier_parts as sp};
use crate::stock::ledger::Actor;

/// Changes the quantity (and, for purchases, the supplier) of an open proposal and locks it:
/// later runs keep these figures and record theirs beside them. The first edit keeps the
/// engine's figure it replaced as the one to go back to.
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
    if let Some(supplier) = supplier_id.filter(|_| row.kind == "purchase" && !input.override_rules) {
        check_order_rules(conn, (supplier, row.part_id), quantity)?;
    }
    let engine = match row.stored_engine()? {
        Some(engine) => engine,
        None => engine_snapshot(&row)?,
    };
    diesel::update(pr::table.find(id))
        .set((
            pr::quantity.eq(quantity),
            pr::supplier_id.eq(supplier_id),
            pr::unit_price.eq(money_text(unit_price)),
            value_columns(unit_price * Decimal::from(quantity)),
            pr::locked.eq(true),
            pr::engine.eq(Some(to_json(&engine)?)),
        ))
        .execute(conn)?;
    proposals::get(conn, id)
}

/// A purchase quantity must reach the supplier's MOQ and be whole packs, unless the planner
/// says `override`.
fn check_order_rules(conn: &mut AnyConnection, (supplier, part): (i64, i64), quantity: i64) -> Result<(), AppError> {
    let rules: Option<(i64, i64)> = sp::table
        .filter(sp::supplier_id.eq(supplier))
        .filter(sp::part_id.eq(part))
        .select((sp::moq, sp::pack_size))
        .first(conn)
        .optional()?;
    let Some((moq, pack)) = rules else { return Ok(()) };
    if quantity < moq {
        return Err(AppError::validation(
            "quantity",
            format!("is below the supplier's minimum order of {moq}; send \"override\": true to order it anyway"),
        ));
    }
    if pack > 1 && quantity % pack != 0 {
        return Err(AppError::validation(
            "quantity",
            format!("is not a whole number of packs of {pack}; send \"override\": true to order it anyway"),
        ));
    }
    Ok(())
}

fn load_locked(conn: &mut AnyConnection, id: i64) -> Result<(Row, StoredEngine), AppError> {
    let row = load_open(conn, id)?;
    let engine = match (row.locked, row.stored_engine()?) {
        (true, Some(engine)) => engine,
        _ => {
            return Err(AppError::InvalidState(format!(
                "proposal {id} is not locked: runs already keep it at the engine's figure"
            )))
        }
    };
    Ok((row, engine))
}

/// Replaces a locked proposal's figures by the engine's and unlocks it; when the engine sees
/// no need any more, the proposal is withdrawn with the engine's reason.
pub fn accept_engine(conn: &mut AnyConnection, id: i64, actor: &Actor) -> Result<Proposal, AppError> {
    let (row, engine) = load_locked(conn, id)?;
    if engine.quantity <= 0 {
        let reason = engine.reason.unwrap_or_else(|| "the engine sees no need".to_owned());
        withdraw(conn, id, &format!("engine's figure accepted: {reason}"), actor)?;
        return proposals::get(conn, id);
    }
    let mut changed = Vec::new();
    if engine.quantity != row.quantity {
        changed.push(ProposalChange {
            field: "quantity".to_owned(),
            from: row.quantity.to_string(),
            to: engine.quantity.to_string(),
        });
    }
    let explanation = match &engine.explanation {
        Some(e) => to_json(e)?,
        None => row.explanation.clone(),
    };
    diesel::update(pr::table.find(id))
        .set((
            pr::quantity.eq(engine.quantity),
            pr::supplier_id.eq(engine.supplier_id.or(row.supplier_id)),
            pr::unit_price.eq(money_text(engine.unit_price)),
            value_columns(engine.unit_price * Decimal::from(engine.quantity)),
            pr::explanation.eq(explanation),
            pr::locked.eq(false),
            pr::engine.eq(None::<String>),
            pr::revised_at.eq(Some(db::now())),
        ))
        .execute(conn)?;
    if !changed.is_empty() {
        diesel::update(pr::table.find(id))
            .set((
                pr::revision.eq(pr::revision + 1),
                pr::changes.eq(Some(to_json(&changed)?)),
            ))
            .execute(conn)?;
    }
    proposals::get(conn, id)
}

/// Unlocks a locked proposal as it is: the next run revises it to its figures again.
pub fn unlock(conn: &mut AnyConnection, id: i64) -> Result<Proposal, AppError> {
    load_locked(conn, id)?;
    diesel::update(pr::table.find(id))
        .set((pr::locked.eq(false), pr::engine.eq(None::<String>)))
        .execute(conn)?;
    proposals::get(conn, id)
}
