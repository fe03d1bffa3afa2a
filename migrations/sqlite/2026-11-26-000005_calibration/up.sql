-- Backtest calibrations of the internal stock-out target (procurement::calibration): what a
-- full run found, so that later runs within the recalibration interval reuse it and anyone can
-- see why the internal target is what it is.

CREATE TABLE replenishment_calibrations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id BIGINT NOT NULL REFERENCES replenishment_runs(id),
    computed_at TIMESTAMP NOT NULL,
    external_target DOUBLE PRECISION NOT NULL,
    internal_target DOUBLE PRECISION NOT NULL,
    margin DOUBLE PRECISION NOT NULL,
    window_from DATE,
    window_to DATE,
    origins INTEGER NOT NULL,
    pairs_replayed BIGINT NOT NULL,
    lines_replayed BIGINT NOT NULL,
    -- JSON list of {internal_target, stockout_rate}, in the order tried.
    trials TEXT NOT NULL,
    -- Why the configured target was used as it is; NULL when the backtest chose.
    fallback TEXT
);
CREATE INDEX replenishment_calibrations_computed ON replenishment_calibrations(computed_at);

ALTER TABLE replenishment_runs ADD COLUMN internal_target DOUBLE PRECISION;
-- No REFERENCES here: SQLite cannot drop a column used in a foreign key (down.sql).
ALTER TABLE replenishment_runs ADD COLUMN calibration_id BIGINT;
