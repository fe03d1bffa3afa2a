ALTER TABLE replenishment_policies DROP COLUMN binding;
ALTER TABLE proposals DROP COLUMN binding;
