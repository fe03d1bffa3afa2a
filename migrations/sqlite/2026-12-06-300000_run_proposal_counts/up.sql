-- What a run did to the open proposals (new needs stored, open ones revised in place, ones no
-- longer needed withdrawn), so its summary can say how much the worklist changed. Runs from
-- before this was recorded keep NULL: unknown, not zero.
ALTER TABLE replenishment_runs ADD COLUMN proposals_created BIGINT;
ALTER TABLE replenishment_runs ADD COLUMN proposals_revised BIGINT;
ALTER TABLE replenishment_runs ADD COLUMN proposals_withdrawn BIGINT;
