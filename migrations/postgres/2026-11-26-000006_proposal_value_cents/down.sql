ALTER TABLE proposals DROP COLUMN value_cents;
