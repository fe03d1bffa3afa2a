//! Proposing (every run), one chunk of parts at a time, in one short transaction per chunk:
//! pairs at or below s need `S - position`; excess elsewhere is matched first (same region,
//! then by lane time, only when it lands no later than a purchase); the rest becomes a
//! purchase proposal to the preferred supplier (MOQ, packs). The chunk's open proposals are
//! then reconciled with the drafts ([`crate::replenishment::revisions`]).

use std::collections::{BTreeMap, HashMap};

use diesel::prelude::*;
use rust_decimal::Decimal;

use super::catalog::{load_terms, PartInfo, Terms};
use super::PARTS_PER_CHUNK;
use crate::catalog::suppliers::DEFAULT_LEAD_DAYS;
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::ids::{PairKey, PartId, WarehouseId};
use crate::replenishment::explain::{self, Basis, Candidate, Pair};
use crate::replenishment::model::{Explanation, ProposalKind};
use crate::replenishment::positions::{self, Position};
use crate::replenishment::revisions::{self, Assessed};
use crate::replenishment::{proposals, ReplenishmentSettings, Site};
use crate::schema::replenishment_policies as rp;
use crate::stock::ledger::Actor;
use spares_core::replenishment::{policy, rebalance};

/// A proposal before it is stored.
pub(crate) struct Draft {
    pub kind: ProposalKind,
    pub warehouse_id: i64,
    pub part_id: i64,
    pub from_warehouse_id: Option<i64>,
    pub supplier_id: Option<i64>,
    pub region_id: i64,
    pub quantity: i64,
    pub unit_price: Decimal,
    pub explanation: Explanation,
}

/// What a `stock.below_reorder_point` event carries.
#[derive(Debug, serde::Serialize)]
pub(crate) struct BelowReorderPoint {
    warehouse: String,
    part_number: String,
    position: i64,
    reorder_point: i64,
    order_up_to: i64,
}

/// The run's fixed inputs.
pub(super) struct Context<'a> {
    pub settings: &'a ReplenishmentSettings,
    pub catalog: &'a HashMap<i64, PartInfo>,
    pub network: &'a HashMap<i64, Site>,
    pub run_id: i64,
    pub actor: &'a Actor,
    /// An urgent run (after a refused reservation): its proposals say so.
    pub urgent: bool,
    /// Today (UTC), for projected stock-out dates.
    pub today: chrono::NaiveDate,
}

/// Warehouses in matching order (regional centres first, so among equal lanes they give
/// first) with their regions, for the matching's local indices.
struct Lanes {
    order: Vec<i64>,
    index: HashMap<i64, usize>,
    region: Vec<usize>,
}

impl Lanes {
    fn new(network: &HashMap<i64, Site>) -> Self {
        let mut order: Vec<i64> = network.keys().copied().collect();
        order.sort_by_key(|w| (!network[w].regional_centre, *w));
        let index = order.iter().enumerate().map(|(i, w)| (*w, i)).collect();
        let region = order.iter().map(|w| network[w].region_id as usize).collect();
        Lanes { order, index, region }
    }

    /// Transfer days between two local indices.
    fn days(&self, settings: &ReplenishmentSettings, from: usize, to: usize) -> u32 {
        let days = if self.region[from] == self.region[to] {
            settings.lane_days_same_region
        } else {
            settings.lane_days_cross_region
        };
        days.max(0) as u32
    }
}

/// What proposing one chunk collects besides the drafts.
#[derive(Default)]
struct Findings {
    below: Vec<BelowReorderPoint>,
    assessed: HashMap<PairKey, Assessed>,
}

/// What proposing did: purchases and transfers proposed, and what became of the open
/// proposals (created, revised, withdrawn).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Proposed {
    pub purchases: i64,
    pub transfers: i64,
    pub changes: revisions::Outcome,
}

/// Proposes transfers and purchases for every pair at or below its reorder point.
pub(super) fn propose(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    only_part: Option<i64>,
) -> Result<Proposed, AppError> {
    let mut part_ids: Vec<i64> = match only_part {
        Some(p) => vec![p],
        None => {
            // Parts with open proposals but no policy any more get their proposals withdrawn.
            let mut ids: Vec<i64> = rp::table.select(rp::part_id).distinct().load(conn)?;
            ids.extend(proposals::open_parts(conn)?);
            ids
        }
    };
    part_ids.sort_unstable();
    part_ids.dedup();
    let lanes = Lanes::new(ctx.network);
    let mut proposed = Proposed::default();
    for chunk in part_ids.chunks(PARTS_PER_CHUNK) {
        let (drafts, changes) = propose_chunk(conn, ctx, &lanes, chunk)?;
        proposed.purchases += drafts.iter().filter(|x| x.kind == ProposalKind::Purchase).count() as i64;
        proposed.transfers += drafts.iter().filter(|x| x.kind == ProposalKind::Transfer).count() as i64;
        proposed.changes.add(changes);
    }
    Ok(proposed)
}

/// Drafts for one chunk of parts, reconciled with their open proposals in one transaction.
fn propose_chunk(
    conn: &mut AnyConnection,
    ctx: &Context<'_>,
    lanes: &Lanes,
    chunk: &[i64],
) -> Result<(Vec<Draft>, revisions::Outcome), AppError> {
    let mut by_part = explain::load_pairs(conn, chunk)?;
    let sources: Vec<i64> = ctx
        .catalog
        .iter()
        .filter(|(id, p)| chunk.contains(&p.successor) || chunk.contains(id))
        .map(|(id, _)| *id)
        .collect();
    let balances = positions::balances(conn, &sources)?;
    let committed = positions::committed(conn, chunk)?;
    let terms = load_terms(conn, chunk)?;
    let mut drafts = Vec::new();
    let mut found = Findings::default();
    for &part_id in chunk {
        // A superseded part is never bought: its stock counts in the successor's position.
        let Some(part) = ctx.catalog.get(&part_id).filter(|part| part.successor == part_id) else {
            continue;
        };
        let part = PartView {
            id: part_id,
            info: part,
            pairs: &by_part.remove(&part_id).unwrap_or_default(),
            position: &positions::of_part(part_id, &balances, &committed, ctx.catalog),
            terms: terms.get(&part_id),
        };
        drafts.extend(propose_part(ctx, lanes, &part, &mut found));
    }
    let chunk = revisions::Chunk {
        run_id: ctx.run_id,
        parts: chunk,
        drafts: &drafts,
        assessed: &found.assessed,
        catalog: ctx.catalog,
        network: ctx.network,
    };
    let changes = db::write_tx(conn, |conn| {
        for event in &found.below {
            crate::webhooks::enqueue(conn, "stock.below_reorder_point", event)?;
        }
        revisions::reconcile(conn, ctx.settings, &chunk, ctx.actor)
    })?;
    Ok((drafts, changes))
}

/// One current part with its pairs, positions and supplier terms.
struct PartView<'a> {
    id: i64,
    info: &'a PartInfo,
    pairs: &'a BTreeMap<i64, Pair>,
    position: &'a BTreeMap<i64, Position>,
    terms: Option<&'a Terms>,
}

/// What each warehouse can give: its excess over S, unless it needs stock itself.
fn offers(part: &PartView<'_>, lanes: &Lanes) -> Vec<rebalance::Offer> {
    let mut offers = Vec::new();
    for (&w, at) in part.position {
        let (pos, keep) = (at.total(), part.pairs.get(&w).map_or(0, |p| p.order_up_to));
        let give = rebalance::excess(at.giveable_on_hand(), pos, keep);
        if give > 0 && part.pairs.get(&w).is_none_or(|p| pos > p.s) {
            offers.push(rebalance::Offer {
                warehouse: lanes.index[&w],
                qty: give,
            });
        }
    }
    offers
}

/// The pairs at or below their reorder point, furthest below first; records every pair's
/// position and the below-reorder-point events.
fn needs(ctx: &Context<'_>, lanes: &Lanes, part: &PartView<'_>, found: &mut Findings) -> Vec<rebalance::Need> {
    let purchase_lead = part.terms.map_or(DEFAULT_LEAD_DAYS, |t| t.lead_days);
    let mut needs = Vec::new();
    for (&w, pair) in part.pairs {
        let pos = part.position.get(&w).map_or(0, Position::total);
        let assessed = Assessed {
            position: pos,
            reorder_point: pair.s,
        };
        found
            .assessed
            .insert(PairKey::new(WarehouseId(w), PartId(part.id)), assessed);
        if pos <= pair.s && pair.order_up_to > pos {
            let need = rebalance::Need {
                warehouse: lanes.index[&w],
                qty: pair.order_up_to - pos,
                purchase_lead: purchase_lead as u32,
            };
            needs.push((pos - pair.s, need));
            found.below.push(BelowReorderPoint {
                warehouse: ctx.network[&w].code.clone(),
                part_number: part.info.part_number.clone(),
                position: pos,
                reorder_point: pair.s,
                order_up_to: pair.order_up_to,
            });
        }
    }
    needs.sort_by_key(|(gap, n)| (*gap, n.warehouse));
    needs.into_iter().map(|(_, n)| n).collect()
}

/// Why `qty` arriving in `days` at `w`, under the supplier's `rules` (purchases).
fn explain(ctx: &Context<'_>, part: &PartView<'_>, w: i64, candidate: Candidate) -> Explanation {
    let basis = Basis {
        pair: &part.pairs[&w],
        stock: part.position.get(&w).copied().unwrap_or_default(),
        review_days: ctx.settings.review_days,
        urgent: ctx.urgent,
        today: ctx.today,
    };
    explain::explain(&basis, &candidate)
}

/// One part's drafts: transfers from excess first, the rest bought.
fn propose_part(ctx: &Context<'_>, lanes: &Lanes, part: &PartView<'_>, found: &mut Findings) -> Vec<Draft> {
    let needs = needs(ctx, lanes, part, found);
    let mut offers = offers(part, lanes);
    let lane = |from: usize, to: usize| lanes.days(ctx.settings, from, to);
    let matches = rebalance::match_part(&needs, &mut offers, &lanes.region, &lane);
    let mut covered: HashMap<usize, i64> = HashMap::new();
    let mut drafts = Vec::new();
    for m in &matches {
        let (from, to) = (lanes.order[m.from], lanes.order[m.to]);
        *covered.entry(m.to).or_default() += m.qty;
        drafts.push(Draft {
            kind: ProposalKind::Transfer,
            warehouse_id: to,
            part_id: part.id,
            from_warehouse_id: Some(from),
            supplier_id: None,
            region_id: ctx.network[&to].region_id,
            quantity: m.qty,
            unit_price: part.info.unit_cost,
            explanation: explain(
                ctx,
                part,
                to,
                Candidate {
                    kind: ProposalKind::Transfer,
                    quantity: m.qty,
                    arrives_in_days: i64::from(lane(m.from, m.to)),
                    rules: None,
                },
            ),
        });
    }
    let Some(t) = part.terms else { return drafts };
    for need in &needs {
        let left = need.qty - covered.get(&need.warehouse).copied().unwrap_or(0);
        if left <= 0 {
            continue;
        }
        let w = lanes.order[need.warehouse];
        let qty = policy::round_to_pack(left, t.moq, t.pack_size);
        drafts.push(Draft {
            kind: ProposalKind::Purchase,
            warehouse_id: w,
            part_id: part.id,
            from_warehouse_id: None,
            supplier_id: Some(t.supplier_id),
            region_id: ctx.network[&w].region_id,
            quantity: qty,
            unit_price: t.unit_price,
            explanation: explain(
                ctx,
                part,
                w,
                Candidate {
                    kind: ProposalKind::Purchase,
                    quantity: qty,
                    arrives_in_days: t.lead_days,
                    rules: Some((t.moq, t.pack_size)),
                },
            ),
        });
    }
    drafts
}
