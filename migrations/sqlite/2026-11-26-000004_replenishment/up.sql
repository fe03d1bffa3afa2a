-- Replenishment: per-pair policies, runs, proposals, purchase orders, refused reservations
-- (for KPIs) and the webhook outbox. Money is TEXT holding a decimal string, as elsewhere.

CREATE TABLE replenishment_policies (
    warehouse_id BIGINT NOT NULL REFERENCES warehouses(id),
    part_id BIGINT NOT NULL REFERENCES parts(id),
    reorder_point BIGINT NOT NULL,
    order_up_to BIGINT NOT NULL,
    expected_fill_rate DOUBLE PRECISION NOT NULL,
    daily_rate DOUBLE PRECISION NOT NULL,
    lead_time_days INTEGER NOT NULL,
    demand_class TEXT NOT NULL,
    method TEXT NOT NULL,
    manual BOOLEAN NOT NULL DEFAULT FALSE,
    manual_min BIGINT,
    manual_max BIGINT,
    computed_at TIMESTAMP NOT NULL,
    PRIMARY KEY (warehouse_id, part_id),
    CHECK (order_up_to >= reorder_point),
    CHECK (NOT manual OR (manual_min IS NOT NULL AND manual_max IS NOT NULL AND manual_max >= manual_min))
);

CREATE TABLE replenishment_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger_kind TEXT NOT NULL,
    scope TEXT NOT NULL,
    status TEXT NOT NULL,
    pairs INTEGER NOT NULL DEFAULT 0,
    purchases INTEGER NOT NULL DEFAULT 0,
    transfers INTEGER NOT NULL DEFAULT 0,
    shadow_price DOUBLE PRECISION,
    expected_stockout_rate DOUBLE PRECISION,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    error TEXT
);

CREATE TABLE purchase_orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    number TEXT NOT NULL UNIQUE,
    supplier_id BIGINT NOT NULL REFERENCES suppliers(id),
    warehouse_id BIGINT NOT NULL REFERENCES warehouses(id),
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expected_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP
);

CREATE TABLE purchase_order_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    purchase_order_id BIGINT NOT NULL REFERENCES purchase_orders(id),
    part_id BIGINT NOT NULL REFERENCES parts(id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    received_qty BIGINT NOT NULL DEFAULT 0 CHECK (received_qty >= 0),
    unit_price TEXT NOT NULL
);
CREATE INDEX purchase_order_lines_po ON purchase_order_lines(purchase_order_id);

CREATE TABLE proposals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id BIGINT NOT NULL REFERENCES replenishment_runs(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    warehouse_id BIGINT NOT NULL REFERENCES warehouses(id),
    part_id BIGINT NOT NULL REFERENCES parts(id),
    from_warehouse_id BIGINT REFERENCES warehouses(id),
    supplier_id BIGINT REFERENCES suppliers(id),
    region_id BIGINT NOT NULL REFERENCES regions(id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    unit_price TEXT NOT NULL,
    value TEXT NOT NULL,
    explanation TEXT NOT NULL,
    reason TEXT,
    auto_approved BOOLEAN NOT NULL DEFAULT FALSE,
    purchase_order_id BIGINT REFERENCES purchase_orders(id),
    transfer_id BIGINT REFERENCES transfers(id),
    created_at TIMESTAMP NOT NULL,
    decided_at TIMESTAMP,
    decided_by TEXT
);
CREATE INDEX proposals_status ON proposals(status, part_id);

CREATE TABLE reservation_refusals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    warehouse_id BIGINT NOT NULL REFERENCES warehouses(id),
    part_id BIGINT NOT NULL REFERENCES parts(id),
    repair_order TEXT NOT NULL,
    requested BIGINT NOT NULL,
    available BIGINT NOT NULL,
    occurred_at TIMESTAMP NOT NULL
);
CREATE INDEX reservation_refusals_at ON reservation_refusals(occurred_at);

CREATE TABLE webhook_endpoints (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    events TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL
);

-- One row per (event, endpoint), written in the transaction of the change it reports.
CREATE TABLE webhook_outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL,
    endpoint_id BIGINT NOT NULL REFERENCES webhook_endpoints(id),
    event_type TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    delivered_at TIMESTAMP,
    UNIQUE (event_id, endpoint_id)
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(status, next_attempt_at);
