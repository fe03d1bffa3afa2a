//! Replenishment runs: a full run plans the levels ([`levels`]) and then proposes; an urgent
//! or one-part run proposes on the stored levels ([`propose`]). Each run is recorded with what
//! it did.
//!
//! Pairs with a manual override keep it; critical parts also get a per-item fill-rate floor.

mod catalog;
mod levels;
mod propose;

use std::collections::HashMap;

use diesel::prelude::*;

pub(crate) use catalog::{cents, forecast_parts, load_parts, load_terms, manual_pairs, sources, PartInfo};
pub(crate) use levels::{constraints, line_size, pair_curve, PairInputs};
pub(crate) use propose::Draft;

use super::model::{Calibration, RunRequest, RunSummary};
use super::{calibration, sites, ReplenishmentSettings};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::replenishment_runs as runs;
use crate::stock::ledger::Actor;

pub(crate) const PARTS_PER_CHUNK: usize = 64;

/// What a run did: pairs planned, (shadow price, expected stock-out rate), the internal network
/// target and the calibration behind it, purchases and transfers proposed, and what became of
/// the open proposals.
#[derive(Debug, Default)]
struct RunCounts {
    pairs: i64,
    allocation: Option<(f64, f64)>,
    internal_target: Option<f64>,
    calibration: Option<Calibration>,
    purchases: i64,
    transfers: i64,
    changes: super::revisions::Outcome,
}

/// Starts, runs and finishes one replenishment run.
pub fn run(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    request: &RunRequest,
    trigger: &str,
    actor: &Actor,
) -> Result<RunSummary, AppError> {
    let catalog = load_parts(conn)?;
    run_on(conn, settings, &catalog, request, trigger, actor)
}

/// Records the run as started; returns its id.
fn start(
    conn: &mut AnyConnection,
    trigger: &str,
    scope: &str,
    started: chrono::NaiveDateTime,
) -> Result<i64, AppError> {
    db::write_tx(conn, |conn| {
        diesel::insert_into(runs::table)
            .values((
                runs::trigger_kind.eq(trigger),
                runs::scope.eq(scope),
                runs::status.eq("running"),
                runs::started_at.eq(started),
            ))
            .returning(runs::id)
            .get_result::<i64>(conn)
    })
    .map_err(AppError::from)
}

/// Records how the run ended.
fn finish(
    conn: &mut AnyConnection,
    id: i64,
    outcome: &Result<RunCounts, AppError>,
    finished: chrono::NaiveDateTime,
) -> Result<&'static str, AppError> {
    let (status, error) = match outcome {
        Ok(_) => ("succeeded", None),
        Err(e) => ("failed", Some(e.to_string())),
    };
    let empty = RunCounts::default();
    let counts = outcome.as_ref().unwrap_or(&empty);
    // A failed run's finished chunks did change proposals, but nobody counted them.
    let changes = outcome.as_ref().ok().map(|c| c.changes);
    db::write_tx(conn, |conn| {
        diesel::update(runs::table.find(id))
            .set((
                runs::status.eq(status),
                runs::pairs.eq(counts.pairs as i32),
                runs::purchases.eq(counts.purchases as i32),
                runs::transfers.eq(counts.transfers as i32),
                runs::shadow_price.eq(counts.allocation.map(|a| a.0)),
                runs::expected_stockout_rate.eq(counts.allocation.map(|a| a.1)),
                runs::internal_target.eq(counts.internal_target),
                runs::calibration_id.eq(counts.calibration.as_ref().map(|c| c.id)),
                runs::proposals_created.eq(changes.map(|c| c.created)),
                runs::proposals_revised.eq(changes.map(|c| c.revised)),
                runs::proposals_withdrawn.eq(changes.map(|c| c.withdrawn)),
                runs::finished_at.eq(Some(finished)),
                runs::error.eq(error),
            ))
            .execute(conn)
    })?;
    Ok(status)
}

/// Plans (when `replan`) and proposes.
fn work(
    conn: &mut AnyConnection,
    ctx: &propose::Context<'_>,
    replan: bool,
    only_part: Option<i64>,
) -> Result<RunCounts, AppError> {
    let mut counts = RunCounts::default();
    if replan {
        let calibration = calibration::in_force(conn, ctx.settings, ctx.catalog, ctx.network, ctx.run_id)?;
        let ratio = calibration::ratio(calibration.as_ref());
        (counts.pairs, counts.allocation) = levels::plan(conn, ctx.settings, ctx.catalog, ctx.network, ratio)?;
        counts.internal_target = Some(ctx.settings.stockout_target * ratio);
        counts.calibration = calibration;
    }
    let proposed = propose::propose(conn, ctx, only_part)?;
    (counts.purchases, counts.transfers, counts.changes) = (proposed.purchases, proposed.transfers, proposed.changes);
    Ok(counts)
}

fn run_on(
    conn: &mut AnyConnection,
    settings: &ReplenishmentSettings,
    catalog: &HashMap<i64, PartInfo>,
    request: &RunRequest,
    trigger: &str,
    actor: &Actor,
) -> Result<RunSummary, AppError> {
    let only_part = match &request.part_number {
        Some(pn) => {
            let part = crate::catalog::parts::get(conn, pn)?;
            Some(catalog.get(&part.id).map_or(part.id, |p| p.successor))
        }
        None => None,
    };
    // A one-part run keeps the network's stored levels: re-allocating one part alone would
    // price it apart from the rest of the network.
    let replan = request.replan.unwrap_or(true) && only_part.is_none();
    let scope = serde_json::to_string(request).unwrap_or_default();
    let started = db::now();
    let id = start(conn, trigger, &scope, started)?;
    let network = sites(conn)?;
    let ctx = propose::Context {
        settings,
        catalog,
        network: &network,
        run_id: id,
        actor,
        urgent: trigger == "urgent",
        today: started.date(),
    };
    let outcome = work(conn, &ctx, replan, only_part);
    let finished = db::now();
    let status = finish(conn, id, &outcome, finished)?;
    let counts = outcome?;
    Ok(RunSummary {
        id,
        trigger: trigger.to_owned(),
        status: status.to_owned(),
        scope: request.clone(),
        pairs: counts.pairs,
        purchases: counts.purchases,
        transfers: counts.transfers,
        shadow_price: counts.allocation.map(|a| a.0),
        expected_stockout_rate: counts.allocation.map(|a| a.1),
        internal_target: counts.internal_target,
        calibration: counts.calibration,
        proposals_created: Some(counts.changes.created),
        proposals_revised: Some(counts.changes.revised),
        proposals_withdrawn: Some(counts.changes.withdrawn),
        started_at: started.and_utc(),
        finished_at: Some(finished.and_utc()),
    })
}

/// Urgent runs for the parts of refused reservations, on the stored policies. The catalog is
/// read once for a batch of parts: every run reading all parts again dominated the database's
/// time under load.
pub struct UrgentRuns {
    catalog: HashMap<i64, PartInfo>,
}

impl UrgentRuns {
    pub fn new(conn: &mut AnyConnection) -> Result<Self, AppError> {
        Ok(UrgentRuns {
            catalog: load_parts(conn)?,
        })
    }

    /// The urgent run for one part.
    pub fn run(
        &self,
        conn: &mut AnyConnection,
        settings: &ReplenishmentSettings,
        part_number: &str,
    ) -> Result<RunSummary, AppError> {
        let actor = Actor {
            name: "system:urgent-replenishment".to_owned(),
            request_id: None,
        };
        let request = RunRequest {
            part_number: Some(part_number.to_owned()),
            replan: Some(false),
        };
        run_on(conn, settings, &self.catalog, &request, "urgent", &actor)
    }
}
