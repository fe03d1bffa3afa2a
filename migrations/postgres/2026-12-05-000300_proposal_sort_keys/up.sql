-- The worklist sorts by days of cover and by urgency (the expected fill rate without the
-- proposal): both are columns beside the JSON explanation they come from, so a sorted page is
-- an indexed query instead of reading every explanation. Existing rows are filled from it.
ALTER TABLE proposals ADD COLUMN cover_days DOUBLE PRECISION;
ALTER TABLE proposals ADD COLUMN fill_rate_without DOUBLE PRECISION NOT NULL DEFAULT 1;
UPDATE proposals SET
    cover_days = (explanation::json ->> 'days_of_cover')::double precision,
    fill_rate_without = COALESCE((explanation::json ->> 'fill_rate_without')::double precision, 1);
CREATE INDEX proposals_status_value ON proposals (status, value_cents);
CREATE INDEX proposals_status_cover ON proposals (status, cover_days);
