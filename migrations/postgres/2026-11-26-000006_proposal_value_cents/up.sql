-- Proposal values in whole cents (rounded half away from zero), so `GET /proposals` can filter
-- on value in SQL before paging. `value` (exact decimal TEXT) stays the amount of record; the
-- application writes both columns together. The default only serves the backfill: dropping it
-- makes an insert that forgets the column fail instead of storing 0.
ALTER TABLE proposals ADD COLUMN value_cents BIGINT NOT NULL DEFAULT 0;
UPDATE proposals SET value_cents = ROUND(value::numeric * 100)::bigint;
ALTER TABLE proposals ALTER COLUMN value_cents DROP DEFAULT;
