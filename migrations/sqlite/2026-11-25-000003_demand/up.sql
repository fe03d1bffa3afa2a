-- The daily demand series per (warehouse, part): consumption and issues to repairs as they post,
-- plus imported history. Days without demand have no row.
CREATE TABLE demand_daily (
    warehouse_id BIGINT NOT NULL REFERENCES warehouses(id),
    part_id BIGINT NOT NULL REFERENCES parts(id),
    day DATE NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity >= 0),
    -- Demand lines (repairs, movements) behind the quantity: replenishment's service target
    -- counts lines, not units.
    lines BIGINT NOT NULL CHECK (lines >= 0),
    PRIMARY KEY (warehouse_id, part_id, day)
);
CREATE INDEX demand_daily_part ON demand_daily(part_id);

-- Imported repair-history rows, kept for traceability; row_key makes re-imports idempotent.
-- No foreign keys: the import resolves every code to an id in its own transaction, warehouses
-- and parts are never deleted, and per-row referential checks were a third of a million-row
-- import's time.
CREATE TABLE demand_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    row_key TEXT NOT NULL UNIQUE,
    day DATE NOT NULL,
    warehouse_id BIGINT NOT NULL,
    part_id BIGINT NOT NULL,
    quantity BIGINT NOT NULL,
    repair_order TEXT,
    product_model TEXT,
    fault_code TEXT,
    imported_at TIMESTAMP NOT NULL
);

CREATE TABLE forecasts (
    warehouse_id BIGINT NOT NULL REFERENCES warehouses(id),
    part_id BIGINT NOT NULL REFERENCES parts(id),
    demand_class TEXT NOT NULL,
    method TEXT NOT NULL,
    selection_error DOUBLE PRECISION,
    daily_rate DOUBLE PRECISION NOT NULL,
    lead_time_days INTEGER NOT NULL,
    review_days INTEGER NOT NULL,
    lead_time_mean DOUBLE PRECISION NOT NULL,
    lead_time_variance DOUBLE PRECISION NOT NULL,
    p50 BIGINT NOT NULL,
    p90 BIGINT NOT NULL,
    p95 BIGINT NOT NULL,
    p99 BIGINT NOT NULL,
    history_days INTEGER NOT NULL,
    demand_days INTEGER NOT NULL,
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (warehouse_id, part_id)
);

-- A run replaces a chunk of parts' forecasts at a time.
CREATE INDEX forecasts_part ON forecasts(part_id);

CREATE TABLE forecast_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    status TEXT NOT NULL,
    scope TEXT NOT NULL,
    series INTEGER NOT NULL DEFAULT 0,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    error TEXT
);

-- Leases make scheduled work run once across instances sharing the database.
CREATE TABLE job_leases (
    name TEXT PRIMARY KEY NOT NULL,
    holder TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    last_run_at TIMESTAMP
);
