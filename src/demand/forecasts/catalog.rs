//! What a forecast run needs to know about the catalog: each part's final successor (its
//! demand counts toward it) and the lead time that counts for it.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::db::AnyConnection;
use crate::error::AppError;
use crate::schema::{parts, supplier_parts};

/// A part and the part that replaces it.
#[derive(Queryable, Selectable)]
#[diesel(table_name = parts)]
struct Supersession {
    id: i64,
    part_number: String,
    superseded_by: Option<String>,
}

/// A supplier's lead time for a part, and whether it is the part's preferred supplier.
#[derive(Queryable, Selectable)]
#[diesel(table_name = supplier_parts)]
struct LeadTerms {
    part_id: i64,
    lead_time_days: i32,
    preferred: bool,
}

/// Everything a run needs to know about the catalog, loaded once.
pub(super) struct Catalog {
    /// Each part's final successor (itself when not superseded).
    pub(super) successor: HashMap<i64, i64>,
    pub(super) lead_days: HashMap<i64, i64>,
}

impl Catalog {
    pub(super) fn load(conn: &mut AnyConnection) -> Result<Self, AppError> {
        let rows: Vec<Supersession> = parts::table.select(Supersession::as_select()).load(conn)?;
        let by_number: HashMap<&str, i64> = rows.iter().map(|r| (r.part_number.as_str(), r.id)).collect();
        let next: HashMap<i64, i64> = rows
            .iter()
            .filter_map(|r| {
                let by = r.superseded_by.as_deref()?;
                by_number.get(by).map(|n| (r.id, *n))
            })
            .collect();
        let successor = rows
            .iter()
            .map(|r| {
                let mut current = r.id;
                // A chain longer than the catalog is a cycle: stop where we are.
                for _ in 0..rows.len() {
                    match next.get(&current) {
                        Some(n) if *n != r.id => current = *n,
                        _ => break,
                    }
                }
                (r.id, current)
            })
            .collect();
        let terms: Vec<LeadTerms> = supplier_parts::table.select(LeadTerms::as_select()).load(conn)?;
        // Per part: (preferred, lead days) of the supplier whose lead time counts.
        let mut lead_days: HashMap<i64, (bool, i64)> = HashMap::new();
        for t in terms {
            let lead = i64::from(t.lead_time_days);
            let (preferred, days) = lead_days.entry(t.part_id).or_insert((t.preferred, lead));
            // The preferred supplier's lead time wins; otherwise the quickest supplier's.
            if (t.preferred && !*preferred) || (t.preferred == *preferred && lead < *days) {
                (*preferred, *days) = (t.preferred, lead);
            }
        }
        Ok(Catalog {
            successor,
            lead_days: lead_days.into_iter().map(|(p, (_, l))| (p, l)).collect(),
        })
    }

    pub(super) fn successor_of(&self, part: i64) -> i64 {
        self.successor.get(&part).copied().unwrap_or(part)
    }
}
