//! A planner's review of an open proposal: edit it (which locks it against runs), take the
//! engine's figure instead, or unlock it so runs revise it again.

use diesel::prelude::*;
use rust_decimal::Decimal;

use super::explain::{self, Basis, Binding, Candidate, Explanation};
use super::model::{EngineFigure, Proposal, ProposalChange, ProposalEdit};
use super::money_text;
use super::proposals::{self, explanation_columns, from_json, load_open, to_json, value_columns, Row, StoredEngine};
use super::revisions::{engine_snapshot, withdraw};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::{proposals as pr, supplier_parts as sp};
use crate::stock::ledger::Actor;

/// A supplier's terms for one part, as an edit needs them.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sp)]
struct SupplierTerms {
    lead_time_days: i32,
    moq: i64,
    pack_size: i64,
    unit_price: String,
}

fn supplier_terms(conn: &mut AnyConnection, supplier: i64, part: i64) -> Result<Option<SupplierTerms>, AppError> {
    Ok(sp::table
        .filter(sp::supplier_id.eq(supplier))
        .filter(sp::part_id.eq(part))
        .select(SupplierTerms::as_select())
        .first(conn)
        .optional()?)
}

/// The figures of `input` applied to an open proposal: quantity, supplier and price, the
/// supplier's MOQ and pack rules checked (unless `override`), and the explanation recomputed
/// with that supplier's lead time and rules. Writes nothing (the edit and the preview share it).
fn candidate(
    conn: &mut AnyConnection,
    row: &Row,
    input: &ProposalEdit,
    review_days: i64,
) -> Result<(i64, Option<i64>, Decimal, Explanation), AppError> {
    let quantity = match input.quantity {
        Some(q) => crate::validate::positive("quantity", q)?,
        None => row.quantity,
    };
    let stored: Explanation = from_json(&row.explanation)?;
    let supplier_id = match &input.supplier {
        None => row.supplier_id,
        Some(_) if row.kind == "transfer" => {
            return Err(AppError::validation("supplier", "does not apply to transfer proposals"))
        }
        Some(code) => Some(crate::catalog::suppliers::resolve(conn, "supplier", code)?.id),
    };
    let terms = match supplier_id.filter(|_| row.kind == "purchase") {
        Some(supplier) => Some(
            supplier_terms(conn, supplier, row.part_id)?
                .ok_or_else(|| AppError::validation("supplier", "has no terms for this part"))?,
        ),
        None => None,
    };
    if let Some(t) = terms.as_ref().filter(|_| !input.override_rules) {
        check_order_rules((t.moq, t.pack_size), quantity)?;
    }
    let unit_price = match &terms {
        Some(t) if input.supplier.is_some() => crate::validate::stored_decimal(&t.unit_price)?,
        _ => crate::validate::stored_decimal(&row.unit_price)?,
    };
    let (pair, stock) = explain::pair_now(conn, row.warehouse_id, row.part_id)?;
    let basis = Basis {
        pair: &pair,
        stock,
        review_days,
        urgent: stored.binding == Binding::UrgentRefusal,
        today: db::now().date(),
    };
    let explanation = explain::explain(
        &basis,
        &Candidate {
            kind: row.kind(),
            quantity,
            arrives_in_days: terms
                .as_ref()
                .map_or(stored.arrives_in_days, |t| i64::from(t.lead_time_days)),
            rules: terms.as_ref().map(|t| (t.moq, t.pack_size)),
        },
    );
    Ok((quantity, supplier_id, unit_price, explanation))
}

/// Changes the quantity (and, for purchases, the supplier) of an open proposal, recomputes its
/// explanation and locks it: later runs keep these figures and record theirs beside them. The
/// first edit keeps the engine's figure it replaced as the one to go back to.
pub fn edit(conn: &mut AnyConnection, id: i64, input: &ProposalEdit, review_days: i64) -> Result<Proposal, AppError> {
    let row = load_open(conn, id)?;
    let (quantity, supplier_id, unit_price, explanation) = candidate(conn, &row, input, review_days)?;
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
            explanation_columns(&explanation)?,
            pr::locked.eq(true),
            pr::engine.eq(Some(to_json(&engine)?)),
        ))
        .execute(conn)?;
    proposals::get(conn, id)
}

/// What [`edit`] would make of the proposal, changing nothing.
pub fn preview(
    conn: &mut AnyConnection,
    id: i64,
    input: &ProposalEdit,
    review_days: i64,
) -> Result<(String, EngineFigure), AppError> {
    let row = load_open(conn, id)?;
    let (quantity, supplier_id, unit_price, explanation) = candidate(conn, &row, input, review_days)?;
    let names = proposals::Names::load(conn, std::slice::from_ref(&row))?;
    let preview = EngineFigure {
        quantity,
        // The supplier asked for, else the proposal's own.
        supplier: input.supplier.clone().or_else(|| names.supplier(supplier_id)),
        unit_price,
        value: unit_price * Decimal::from(quantity),
        explanation: Some(explanation),
        reason: None,
        run_id: None,
    };
    Ok((names.site(row.warehouse_id), preview))
}

/// A purchase quantity must reach the supplier's MOQ and be whole packs, unless the planner
/// says `override`.
fn check_order_rules((moq, pack): (i64, i64), quantity: i64) -> Result<(), AppError> {
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
    let explanation: Explanation = match &engine.explanation {
        Some(e) => e.clone(),
        None => from_json(&row.explanation)?,
    };
    diesel::update(pr::table.find(id))
        .set((
            pr::quantity.eq(engine.quantity),
            pr::supplier_id.eq(engine.supplier_id.or(row.supplier_id)),
            pr::unit_price.eq(money_text(engine.unit_price)),
            value_columns(engine.unit_price * Decimal::from(engine.quantity)),
            explanation_columns(&explanation)?,
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
