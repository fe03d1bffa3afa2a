DROP INDEX proposals_status_cover;
DROP INDEX proposals_status_value;
ALTER TABLE proposals DROP COLUMN fill_rate_without;
ALTER TABLE proposals DROP COLUMN cover_days;
