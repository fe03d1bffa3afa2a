-- The worklist sorts by days of cover and by urgency (the expected fill rate without the
-- proposal): both are columns beside the JSON explanation they come from, so a sorted page is
-- an indexed query instead of reading every explanation. Existing rows are filled from it.
ALTER TABLE proposals ADD COLUMN cover_days DOUBLE;
ALTER TABLE proposals ADD COLUMN fill_rate_without DOUBLE NOT NULL DEFAULT 1;
UPDATE proposals SET
    cover_days = json_extract(explanation, '$.days_of_cover'),
    fill_rate_without = COALESCE(json_extract(explanation, '$.fill_rate_without'), 1);
CREATE INDEX proposals_status_value ON proposals (status, value_cents);
CREATE INDEX proposals_status_cover ON proposals (status, cover_days);
