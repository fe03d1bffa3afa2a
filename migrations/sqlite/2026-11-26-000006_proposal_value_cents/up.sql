-- Proposal values in whole cents (rounded half away from zero), so `GET /proposals` can filter
-- on value in SQL before paging. `value` (exact decimal TEXT) stays the amount of record; the
-- application writes both columns together. SQLite cannot drop a column default without
-- rebuilding the table, so the backfill default stays here (PostgreSQL drops it).
ALTER TABLE proposals ADD COLUMN value_cents BIGINT NOT NULL DEFAULT 0;
UPDATE proposals SET value_cents = CAST(ROUND(CAST(value AS REAL) * 100) AS INTEGER);
