//! Recomputes every balance from the ledger and reports where they disagree.

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde::Serialize;

use crate::db::AnyConnection;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, Serialize)]
pub struct Sums {
    #[diesel(sql_type = BigInt)]
    pub warehouse_id: i64,
    #[diesel(sql_type = BigInt)]
    pub part_id: i64,
    #[diesel(sql_type = BigInt)]
    pub on_hand: i64,
    #[diesel(sql_type = BigInt)]
    pub reserved: i64,
    #[diesel(sql_type = BigInt)]
    pub defective: i64,
    #[diesel(sql_type = BigInt)]
    pub in_transit_in: i64,
    #[diesel(sql_type = BigInt)]
    pub on_order: i64,
}

/// A (warehouse, part) whose balance row differs from the sum of its ledger.
#[derive(Debug, Clone, Serialize)]
pub struct Mismatch {
    pub ledger: Sums,
    pub balance: Sums,
}

#[derive(Debug, Clone, Serialize)]
pub struct VerifyReport {
    pub pairs_checked: usize,
    pub movements: i64,
    pub mismatches: Vec<Mismatch>,
}

const LEDGER_SUMS: &str = "SELECT warehouse_id, part_id, \
    CAST(SUM(on_hand_delta) AS BIGINT) AS on_hand, CAST(SUM(reserved_delta) AS BIGINT) AS reserved, \
    CAST(SUM(defective_delta) AS BIGINT) AS defective, CAST(SUM(in_transit_delta) AS BIGINT) AS in_transit_in, \
    CAST(SUM(on_order_delta) AS BIGINT) AS on_order \
    FROM movements GROUP BY warehouse_id, part_id ORDER BY warehouse_id, part_id";

const BALANCES: &str = "SELECT warehouse_id, part_id, on_hand, reserved, defective, in_transit_in, on_order \
    FROM stock_balances ORDER BY warehouse_id, part_id";

/// Compares the ledger's sums with the balance rows. Run it in one read transaction so both
/// sides see the same snapshot.
pub fn verify(conn: &mut AnyConnection) -> Result<VerifyReport, AppError> {
    if let AnyConnection::Postgresql(_) = conn {
        // READ COMMITTED would give each query its own snapshot.
        diesel::connection::SimpleConnection::batch_execute(conn, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")?;
    }
    let ledger: Vec<Sums> = diesel::sql_query(LEDGER_SUMS).load(conn)?;
    let balances: Vec<Sums> = diesel::sql_query(BALANCES).load(conn)?;
    let movements: i64 = crate::schema::movements::table.count().get_result(conn)?;
    let zero = |w: i64, p: i64| Sums {
        warehouse_id: w,
        part_id: p,
        on_hand: 0,
        reserved: 0,
        defective: 0,
        in_transit_in: 0,
        on_order: 0,
    };
    let mut by_key: std::collections::BTreeMap<(i64, i64), (Option<Sums>, Option<Sums>)> = Default::default();
    for s in ledger {
        let key = (s.warehouse_id, s.part_id);
        by_key.entry(key).or_default().0 = Some(s);
    }
    for s in balances {
        let key = (s.warehouse_id, s.part_id);
        by_key.entry(key).or_default().1 = Some(s);
    }
    let pairs_checked = by_key.len();
    let mismatches = by_key
        .into_iter()
        .filter_map(|((w, p), (l, b))| {
            let l = l.unwrap_or_else(|| zero(w, p));
            let b = b.unwrap_or_else(|| zero(w, p));
            (l != b).then_some(Mismatch { ledger: l, balance: b })
        })
        .collect();
    Ok(VerifyReport {
        pairs_checked,
        movements,
        mismatches,
    })
}
