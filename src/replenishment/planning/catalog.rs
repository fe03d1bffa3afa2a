//! What planning reads about parts and suppliers: the catalog with supersession chains, the
//! preferred supplier's terms, which pairs are manual and which parts are forecast.

use std::collections::{HashMap, HashSet};

use diesel::prelude::*;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::db::AnyConnection;
use crate::error::AppError;
use crate::ids::{PairKey, PartId, WarehouseId};
use crate::schema::{forecasts as f, parts, replenishment_policies as rp, supplier_parts as sp, suppliers};

/// A part as planning sees it.
#[derive(Debug, Clone)]
pub(crate) struct PartInfo {
    pub part_number: String,
    pub unit_cost: Decimal,
    pub criticality: String,
    /// The last successor in its supersession chain (itself when current).
    pub successor: i64,
}

/// The preferred (else quickest) supplier's terms for a part.
#[derive(Debug, Clone)]
pub(crate) struct Terms {
    pub supplier_id: i64,
    pub lead_days: i64,
    pub moq: i64,
    pub pack_size: i64,
    pub unit_price: Decimal,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = parts)]
struct PartRow {
    id: i64,
    part_number: String,
    unit_cost: String,
    criticality: String,
    superseded_by: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sp)]
struct TermsRow {
    part_id: i64,
    supplier_id: i64,
    lead_time_days: i32,
    moq: i64,
    pack_size: i64,
    unit_price: String,
    preferred: bool,
}

/// Every part, each with the last successor of its supersession chain.
pub(crate) fn load_parts(conn: &mut AnyConnection) -> Result<HashMap<i64, PartInfo>, AppError> {
    let rows: Vec<PartRow> = parts::table.select(PartRow::as_select()).load(conn)?;
    let by_number: HashMap<&str, i64> = rows.iter().map(|r| (r.part_number.as_str(), r.id)).collect();
    let next: HashMap<i64, i64> = rows
        .iter()
        .filter_map(|r| {
            r.superseded_by
                .as_deref()
                .and_then(|s| by_number.get(s))
                .map(|n| (r.id, *n))
        })
        .collect();
    let mut out = HashMap::with_capacity(rows.len());
    for row in &rows {
        // Bounded by the chain count, so a cycle cannot loop forever.
        let mut current = row.id;
        for _ in 0..next.len() {
            match next.get(&current) {
                Some(n) if *n != row.id => current = *n,
                _ => break,
            }
        }
        let info = PartInfo {
            part_number: row.part_number.clone(),
            unit_cost: crate::validate::stored_decimal(&row.unit_cost)?,
            criticality: row.criticality.clone(),
            successor: current,
        };
        out.insert(row.id, info);
    }
    Ok(out)
}

/// The preferred (else quickest) active supplier's terms per part.
pub(crate) fn load_terms(conn: &mut AnyConnection, part_ids: &[i64]) -> Result<HashMap<i64, Terms>, AppError> {
    let rows: Vec<TermsRow> = sp::table
        .inner_join(suppliers::table)
        .filter(sp::part_id.eq_any(part_ids))
        .filter(suppliers::active.eq(true))
        .select(TermsRow::as_select())
        .load(conn)?;
    let mut best: HashMap<i64, (bool, Terms)> = HashMap::new();
    for row in rows {
        let terms = Terms {
            supplier_id: row.supplier_id,
            lead_days: i64::from(row.lead_time_days),
            moq: row.moq,
            pack_size: row.pack_size,
            unit_price: crate::validate::stored_decimal(&row.unit_price)?,
        };
        let better = match best.get(&row.part_id) {
            None => true,
            Some((p, t)) => (row.preferred && !p) || (row.preferred == *p && terms.lead_days < t.lead_days),
        };
        if better {
            best.insert(row.part_id, (row.preferred, terms));
        }
    }
    Ok(best.into_iter().map(|(k, (_, t))| (k, t)).collect())
}

pub(crate) fn cents(value: Decimal) -> i64 {
    (value * Decimal::from(100)).round().to_i64().unwrap_or(i64::MAX)
}

/// The parts whose demand counts toward the parts of `chunk`: themselves and the parts they
/// replaced.
pub(crate) fn sources(catalog: &HashMap<i64, PartInfo>, chunk: &[i64]) -> Vec<i64> {
    catalog
        .iter()
        .filter(|(_, p)| chunk.contains(&p.successor))
        .map(|(id, _)| *id)
        .collect()
}

/// Pairs with a manual min/max: they stay out of the allocation.
pub(crate) fn manual_pairs(conn: &mut AnyConnection) -> Result<HashSet<PairKey>, AppError> {
    Ok(rp::table
        .filter(rp::manual.eq(true))
        .select((rp::warehouse_id, rp::part_id))
        .load::<(WarehouseId, PartId)>(conn)?
        .into_iter()
        .map(|(warehouse, part)| PairKey::new(warehouse, part))
        .collect())
}

/// Parts with a stored forecast (the ones a full run plans), ascending.
pub(crate) fn forecast_parts(conn: &mut AnyConnection) -> Result<Vec<i64>, AppError> {
    let mut part_ids: Vec<i64> = f::table.select(f::part_id).distinct().load(conn)?;
    part_ids.sort_unstable();
    Ok(part_ids)
}
