-- Money is stored as TEXT: SQLite has no exact decimal type (NUMERIC silently becomes REAL).
CREATE TABLE regions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE warehouses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    kind TEXT NOT NULL CHECK (kind IN ('regional', 'local')),
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE parts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    part_number TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    unit_of_measure TEXT NOT NULL,
    unit_cost TEXT NOT NULL,
    criticality TEXT NOT NULL,
    superseded_by TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE suppliers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE supplier_parts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    supplier_id BIGINT NOT NULL REFERENCES suppliers(id),
    part_id BIGINT NOT NULL REFERENCES parts(id),
    lead_time_days INTEGER NOT NULL CHECK (lead_time_days >= 0),
    moq BIGINT NOT NULL CHECK (moq >= 1),
    pack_size BIGINT NOT NULL CHECK (pack_size >= 1),
    unit_price TEXT NOT NULL,
    preferred BOOLEAN NOT NULL DEFAULT 0,
    UNIQUE (supplier_id, part_id)
);
CREATE INDEX supplier_parts_part ON supplier_parts(part_id);

CREATE TABLE stock_balances (
    warehouse_id BIGINT NOT NULL REFERENCES warehouses(id),
    part_id BIGINT NOT NULL REFERENCES parts(id),
    on_hand BIGINT NOT NULL DEFAULT 0,
    reserved BIGINT NOT NULL DEFAULT 0,
    defective BIGINT NOT NULL DEFAULT 0,
    in_transit_in BIGINT NOT NULL DEFAULT 0,
    on_order BIGINT NOT NULL DEFAULT 0,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (warehouse_id, part_id),
    CHECK (reserved >= 0 AND on_hand >= reserved AND defective >= 0 AND in_transit_in >= 0 AND on_order >= 0)
);
CREATE INDEX stock_balances_part ON stock_balances(part_id);

CREATE TABLE movements (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    warehouse_id BIGINT NOT NULL REFERENCES warehouses(id),
    part_id BIGINT NOT NULL REFERENCES parts(id),
    kind TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    on_hand_delta BIGINT NOT NULL,
    reserved_delta BIGINT NOT NULL,
    defective_delta BIGINT NOT NULL,
    in_transit_delta BIGINT NOT NULL,
    on_order_delta BIGINT NOT NULL,
    reason_code TEXT,
    document_type TEXT,
    document_ref TEXT,
    supplier_id BIGINT REFERENCES suppliers(id),
    lot TEXT,
    note TEXT,
    actor TEXT NOT NULL,
    request_id TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX movements_pair ON movements(warehouse_id, part_id, id);
CREATE INDEX movements_document ON movements(document_type, document_ref);

CREATE TABLE transfers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    from_warehouse_id BIGINT NOT NULL REFERENCES warehouses(id),
    to_warehouse_id BIGINT NOT NULL REFERENCES warehouses(id),
    status TEXT NOT NULL,
    note TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    shipped_at TIMESTAMP,
    closed_at TIMESTAMP
);

CREATE TABLE transfer_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    transfer_id BIGINT NOT NULL REFERENCES transfers(id),
    part_id BIGINT NOT NULL REFERENCES parts(id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    received_qty BIGINT NOT NULL DEFAULT 0,
    discrepancy_qty BIGINT NOT NULL DEFAULT 0,
    UNIQUE (transfer_id, part_id)
);

CREATE TABLE reservations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    repair_order TEXT NOT NULL,
    warehouse_id BIGINT NOT NULL REFERENCES warehouses(id),
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    closed_at TIMESTAMP
);
CREATE INDEX reservations_open ON reservations(status, expires_at);
CREATE INDEX reservations_repair_order ON reservations(repair_order);

CREATE TABLE reservation_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    reservation_id BIGINT NOT NULL REFERENCES reservations(id),
    part_id BIGINT NOT NULL REFERENCES parts(id),
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    consumed_qty BIGINT NOT NULL DEFAULT 0,
    released_qty BIGINT NOT NULL DEFAULT 0,
    UNIQUE (reservation_id, part_id)
);

CREATE TABLE idempotency_keys (
    idempotency_key TEXT PRIMARY KEY NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX idempotency_keys_created ON idempotency_keys(created_at);
