//! Leases on named jobs, so scheduled work runs on one instance of many sharing a database.
//!
//! Taking a lease is one conditional UPDATE, atomic on both backends: of several instances
//! racing, exactly one sees its row updated. A lease that its holder never finished (a crash)
//! expires after its time to live and can be taken again.

use chrono::Duration;
use diesel::prelude::*;

use super::{now, write_tx, AnyConnection};
use crate::schema::job_leases as l;

/// Takes the lease on `name` for `holder` when it is free and the job is due (its last
/// finished run is at least `every` old). Returns whether this holder got it.
pub fn acquire(
    conn: &mut AnyConnection,
    name: &str,
    holder: &str,
    ttl: Duration,
    every: Duration,
) -> QueryResult<bool> {
    let at = now();
    write_tx(conn, |conn| {
        let exists: i64 = l::table.filter(l::name.eq(name)).count().get_result(conn)?;
        if exists == 0 {
            let insert = diesel::insert_into(l::table)
                .values((l::name.eq(name), l::holder.eq(""), l::expires_at.eq(at)))
                .on_conflict_do_nothing();
            match conn {
                AnyConnection::Postgresql(c) => insert.execute(c)?,
                AnyConnection::Sqlite(c) => insert.execute(c)?,
            };
        }
        let taken = diesel::update(
            l::table
                .filter(l::name.eq(name))
                .filter(l::expires_at.le(at))
                .filter(l::last_run_at.is_null().or(l::last_run_at.le(at - every))),
        )
        .set((l::holder.eq(holder), l::expires_at.eq(at + ttl)))
        .execute(conn)?;
        Ok(taken == 1)
    })
}

/// Ends `holder`'s lease on `name`, recording the run as finished now.
pub fn finish(conn: &mut AnyConnection, name: &str, holder: &str) -> QueryResult<()> {
    let at = now();
    write_tx(conn, |conn| {
        diesel::update(l::table.filter(l::name.eq(name)).filter(l::holder.eq(holder)))
            .set((l::expires_at.eq(at), l::last_run_at.eq(Some(at))))
            .execute(conn)
            .map(|_| ())
    })
}
