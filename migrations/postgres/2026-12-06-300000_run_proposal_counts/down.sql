ALTER TABLE replenishment_runs DROP COLUMN proposals_withdrawn;
ALTER TABLE replenishment_runs DROP COLUMN proposals_revised;
ALTER TABLE replenishment_runs DROP COLUMN proposals_created;
