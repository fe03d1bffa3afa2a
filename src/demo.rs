//! The demo network: six regions of China, a regional centre and two city warehouses in each,
//! 300 appliance parts with suppliers and opening stock. Deterministic, so examples in the
//! README work on every machine.

use diesel::prelude::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;

use crate::catalog::parts::{self, Criticality, NewPart};
use crate::catalog::regions::{self, NewRegion};
use crate::catalog::suppliers::{self, NewSupplier, TermsInput};
use crate::catalog::warehouses::{self, NewWarehouse, WarehouseKind};
use crate::db::{self, AnyConnection};
use crate::error::AppError;
use crate::schema::warehouses as wh;
use crate::stock::ledger::Actor;
use crate::stock::movements::{self, MovementInput, StaffMovementKind};

pub enum SeedOutcome {
    Seeded {
        warehouses: usize,
        parts: usize,
        movements: usize,
    },
    AlreadyPopulated,
}

/// A warehouse's (code, name).
type Site = (&'static str, &'static str);

/// (region code, name, sites); the first site is the regional centre.
const NETWORK: &[(&str, &str, [Site; 3])] = &[
    (
        "north",
        "North China",
        [
            ("BJ-RDC", "Beijing regional centre"),
            ("TJ-01", "Tianjin city warehouse"),
            ("SJZ-01", "Shijiazhuang city warehouse"),
        ],
    ),
    (
        "east",
        "East China",
        [
            ("SH-RDC", "Shanghai regional centre"),
            ("HZ-01", "Hangzhou city warehouse"),
            ("NJ-01", "Nanjing city warehouse"),
        ],
    ),
    (
        "south",
        "South China",
        [
            ("GZ-RDC", "Guangzhou regional centre"),
            ("SZ-01", "Shenzhen city warehouse"),
            ("NN-01", "Nanning city warehouse"),
        ],
    ),
    (
        "central",
        "Central China",
        [
            ("WH-RDC", "Wuhan regional centre"),
            ("CS-01", "Changsha city warehouse"),
            ("ZZ-01", "Zhengzhou city warehouse"),
        ],
    ),
    (
        "northwest",
        "Northwest China",
        [
            ("XA-RDC", "Xi'an regional centre"),
            ("LZ-01", "Lanzhou city warehouse"),
            ("URC-01", "Urumqi city warehouse"),
        ],
    ),
    (
        "southwest",
        "Southwest China",
        [
            ("CD-RDC", "Chengdu regional centre"),
            ("CQ-01", "Chongqing city warehouse"),
            ("KM-01", "Kunming city warehouse"),
        ],
    ),
];

/// (prefix, product family)
const FAMILIES: &[(&str, &str)] = &[
    ("FR", "refrigerator"),
    ("WM", "washing machine"),
    ("AC", "air conditioner"),
    ("KA", "kitchen appliance"),
];

/// (code, component, cost range in yuan, criticality)
/// A component: (code, name, (lowest, highest) unit cost, criticality).
type Component = (&'static str, &'static str, (i64, i64), Criticality);

const COMPONENTS: &[Component] = &[
    ("COMP", "compressor", (380, 1200), Criticality::Critical),
    ("PCB", "main control board", (150, 600), Criticality::Critical),
    ("FAN", "fan motor", (60, 240), Criticality::High),
    ("THER", "thermostat", (25, 90), Criticality::High),
    ("SEAL", "door seal", (15, 70), Criticality::Medium),
    ("PUMP", "drain pump", (40, 160), Criticality::High),
    ("BELT", "drive belt", (10, 45), Criticality::Medium),
    ("CAP", "start capacitor", (8, 35), Criticality::Medium),
    ("SENS", "temperature sensor", (12, 50), Criticality::Medium),
    ("HEAT", "heating element", (45, 180), Criticality::High),
    ("VALV", "inlet valve", (20, 85), Criticality::Medium),
    ("FILT", "filter", (5, 30), Criticality::Low),
    ("REM", "remote control", (15, 60), Criticality::Low),
    ("KNOB", "control knob", (3, 15), Criticality::Low),
    ("HOSE", "hose", (8, 40), Criticality::Low),
];

const SUPPLIERS: &[(&str, &str)] = &[
    ("SUP-HAIXIN", "Haixin Compressor Co."),
    ("SUP-MEIKANG", "Meikang Electronics"),
    ("SUP-DONGLI", "Dongli Motor Works"),
    ("SUP-HUAXIA", "Huaxia Rubber & Seals"),
    ("SUP-JINGONG", "Jingong Precision Parts"),
    ("SUP-LIANHE", "Lianhe Appliance Components"),
];

const PARTS_PER_COMPONENT: usize = 5;

/// Loads the demo network unless the database already has warehouses.
pub fn seed(conn: &mut AnyConnection) -> Result<SeedOutcome, AppError> {
    db::write_tx(conn, |conn| {
        let existing: i64 = wh::table.count().get_result(conn)?;
        if existing > 0 {
            return Ok(SeedOutcome::AlreadyPopulated);
        }
        // One generator, drawn from in a fixed order, so the demo is the same everywhere.
        let mut rng = StdRng::seed_from_u64(20_261_124);
        let sites = seed_network(conn)?;
        seed_suppliers(conn)?;
        let mut part_count = 0;
        let mut movement_count = 0;
        for (family_code, family) in FAMILIES {
            for component in COMPONENTS {
                for n in 1..=PARTS_PER_COMPONENT {
                    let family = (*family_code, *family);
                    movement_count += seed_part(conn, &mut rng, &sites, family, component, n)?;
                    part_count += 1;
                }
            }
        }
        Ok(SeedOutcome::Seeded {
            warehouses: sites.len(),
            parts: part_count,
            movements: movement_count,
        })
    })
}

/// A demo warehouse: its code, kind and id.
type SeededSite = (&'static str, WarehouseKind, i64);

/// The regions and their warehouses; the first site of each region is its regional centre.
fn seed_network(conn: &mut AnyConnection) -> Result<Vec<SeededSite>, AppError> {
    let mut sites = Vec::new();
    for (code, name, region_sites) in NETWORK {
        regions::create(
            conn,
            &NewRegion {
                code: (*code).into(),
                name: (*name).into(),
            },
        )?;
        for (i, (wcode, wname)) in region_sites.iter().enumerate() {
            let kind = if i == 0 {
                WarehouseKind::Regional
            } else {
                WarehouseKind::Local
            };
            let created = warehouses::create(
                conn,
                &NewWarehouse {
                    code: (*wcode).into(),
                    name: (*wname).into(),
                    region: (*code).into(),
                    kind,
                    active: None,
                },
            )?;
            sites.push((*wcode, kind, created.id));
        }
    }
    Ok(sites)
}

fn seed_suppliers(conn: &mut AnyConnection) -> Result<(), AppError> {
    for (code, name) in SUPPLIERS {
        suppliers::create(
            conn,
            &NewSupplier {
                code: (*code).into(),
                name: (*name).into(),
                active: None,
            },
        )?;
    }
    Ok(())
}

/// One part: created with its cost, two suppliers' terms, its demand history and its opening
/// stock at every warehouse; returns the movements posted.
fn seed_part(
    conn: &mut AnyConnection,
    rng: &mut StdRng,
    sites: &[SeededSite],
    (family_code, family): (&str, &str),
    (component_code, component, (low, high), criticality): &Component,
    n: usize,
) -> Result<usize, AppError> {
    let part_number = format!("{family_code}-{component_code}-{n:03}");
    let cost = Decimal::new(rng.random_range(low * 100..=high * 100), 2);
    let part = parts::create(
        conn,
        &NewPart {
            part_number: part_number.clone(),
            description: format!("{} {component}, model series {n}", capitalised(family)),
            unit_of_measure: None,
            unit_cost: cost,
            criticality: Some(*criticality),
            superseded_by: None,
            active: None,
        },
    )?;
    let first = seed_terms(conn, rng, &part_number, cost)?;
    let warehouse_ids: Vec<(i64, bool)> = sites
        .iter()
        .map(|(_, kind, id)| (*id, *kind == WarehouseKind::Regional))
        .collect();
    seed_demand_history(conn, rng, part.id, family_code == "AC", &warehouse_ids)?;
    seed_opening_stock(conn, rng, sites, &part_number, SUPPLIERS[first].0)
}

/// Terms of two suppliers in a row of [`SUPPLIERS`], the first preferred; returns the first.
fn seed_terms(conn: &mut AnyConnection, rng: &mut StdRng, part_number: &str, cost: Decimal) -> Result<usize, AppError> {
    let first = rng.random_range(0..SUPPLIERS.len());
    for (k, supplier) in [first, (first + 1) % SUPPLIERS.len()].into_iter().enumerate() {
        let markup = Decimal::new(rng.random_range(55..=80), 2);
        suppliers::put_terms(
            conn,
            SUPPLIERS[supplier].0,
            part_number,
            &TermsInput {
                lead_time_days: rng.random_range(5..=45),
                moq: Some([1, 1, 5, 10][rng.random_range(0..4)]),
                pack_size: Some([1, 1, 1, 5][rng.random_range(0..4)]),
                unit_price: (cost * markup).round_dp(2),
                preferred: Some(k == 0),
            },
        )?;
    }
    Ok(first)
}

/// Opening stock received from the part's preferred supplier: more at regional centres; a
/// warehouse drawn zero gets none. Returns the receipts posted.
fn seed_opening_stock(
    conn: &mut AnyConnection,
    rng: &mut StdRng,
    sites: &[SeededSite],
    part_number: &str,
    supplier: &str,
) -> Result<usize, AppError> {
    let actor = Actor {
        name: "demo-seed".into(),
        request_id: None,
    };
    let mut posted = 0;
    for (warehouse, kind, _) in sites {
        let quantity = match kind {
            WarehouseKind::Regional => rng.random_range(0..=60),
            WarehouseKind::Local => rng.random_range(0..=12),
        };
        if quantity == 0 {
            continue;
        }
        movements::record(
            conn,
            &actor,
            &MovementInput {
                kind: StaffMovementKind::Receipt,
                warehouse: (*warehouse).into(),
                part_number: part_number.to_owned(),
                quantity,
                reason_code: None,
                condition: None,
                source: None,
                supplier: Some(supplier.into()),
                purchase_order: None,
                repair_order: None,
                lot: None,
                note: Some("opening stock".into()),
            },
        )?;
        posted += 1;
    }
    Ok(posted)
}

/// Days of repair history the demo starts with, so forecasts and replenishment have work.
const HISTORY_DAYS: i64 = 730;

/// Two years of intermittent daily demand for one part at every warehouse: most days none,
/// regional centres busier than city stores, air-conditioner parts peaking in summer.
fn seed_demand_history(
    conn: &mut AnyConnection,
    rng: &mut StdRng,
    part_id: i64,
    seasonal: bool,
    warehouses: &[(i64, bool)],
) -> Result<(), AppError> {
    let today = chrono::Utc::now().date_naive();
    let base: f64 = 0.25 * rng.random::<f64>().powi(3);
    let mut rows = Vec::new();
    for (warehouse_id, regional) in warehouses {
        let rate = if *regional { base * 2.0 } else { base };
        for back in 1..=HISTORY_DAYS {
            let day = today - chrono::Duration::days(back);
            let summer = if seasonal {
                let angle = (chrono::Datelike::ordinal(&day) as f64 - 196.0) / 365.0 * std::f64::consts::TAU;
                1.0 + 0.8 * angle.cos()
            } else {
                1.0
            };
            if rng.random::<f64>() < rate * summer {
                rows.push(crate::demand::daily::DayDemand {
                    warehouse_id: *warehouse_id,
                    part_id,
                    day,
                    quantity: rng.random_range(1..=3),
                    lines: 1,
                });
            }
        }
    }
    for chunk in rows.chunks(1_000) {
        crate::demand::daily::add(conn, chunk)?;
        record_history(conn, chunk)?;
    }
    Ok(())
}

/// The history as imported records as well, as an import would leave it: KPIs read served
/// demand from the records (the daily series also carries the ledger's issues, which they
/// count from the ledger), so without them the demo's past year showed no demand at all.
fn record_history(conn: &mut AnyConnection, days: &[crate::demand::daily::DayDemand]) -> Result<(), AppError> {
    use crate::schema::demand_records as r;
    let now = db::now();
    let values: Vec<_> = days
        .iter()
        .map(|d| {
            (
                r::row_key.eq(format!("demo|{}|{}|{}", d.warehouse_id, d.part_id, d.day)),
                r::day.eq(d.day),
                r::warehouse_id.eq(d.warehouse_id),
                r::part_id.eq(d.part_id),
                r::quantity.eq(d.quantity),
                r::imported_at.eq(now),
            )
        })
        .collect();
    let insert = diesel::insert_into(r::table).values(values);
    match conn {
        AnyConnection::Postgresql(c) => insert.execute(c)?,
        AnyConnection::Sqlite(c) => insert.execute(c)?,
    };
    Ok(())
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}
