//! Where a transfer's stock moves: its two warehouses and the ledger postings of its lines.

use super::queries::LineRow;
use crate::catalog::warehouses;
use crate::db::AnyConnection;
use crate::error::AppError;
use crate::stock::ledger::{self, Actor, Delta, DocumentRef, MovementKind, NewMovement};
use crate::transfers::model::Transfer;

fn transfer_doc(id: i64) -> DocumentRef {
    DocumentRef {
        kind: "transfer".to_owned(),
        reference: id.to_string(),
    }
}

/// A transfer's source and destination warehouses, by id and code.
pub(super) struct Ends {
    pub(super) from_id: i64,
    pub(super) to_id: i64,
    pub(super) from_code: String,
    pub(super) to_code: String,
}

pub(super) fn ends(conn: &mut AnyConnection, transfer: &Transfer) -> Result<Ends, AppError> {
    let from = warehouses::get(conn, &transfer.from)?;
    let to = warehouses::get(conn, &transfer.to)?;
    Ok(Ends {
        from_id: from.id,
        to_id: to.id,
        from_code: from.code,
        to_code: to.code,
    })
}

/// Posts one line's movement at one end of the transfer, quoting the transfer as its document.
#[allow(clippy::too_many_arguments)]
pub(super) fn post(
    conn: &mut AnyConnection,
    actor: &Actor,
    transfer_id: i64,
    (warehouse_id, warehouse_code): (i64, &str),
    line: &LineRow,
    kind: MovementKind,
    quantity: i64,
    delta: Delta,
) -> Result<(), AppError> {
    ledger::post(
        conn,
        actor,
        &NewMovement {
            warehouse_id,
            part_id: line.part_id,
            warehouse_code: warehouse_code.to_owned(),
            part_number: line.part_number.clone(),
            kind,
            quantity,
            delta,
            reason_code: None,
            document: Some(transfer_doc(transfer_id)),
            supplier_id: None,
            lot: None,
            note: None,
        },
    )?;
    Ok(())
}
