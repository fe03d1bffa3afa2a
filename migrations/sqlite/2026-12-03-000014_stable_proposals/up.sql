-- Stable proposals: a run revises the open proposal of the same need (kind, warehouse, part,
-- source or supplier) instead of replacing it, so a day of review survives the nightly run.
-- `revision` counts the runs that changed its figures, `changes` (JSON) says what the last one
-- changed; `locked` marks a planner's edit, which runs leave alone: they record what they
-- would propose now in `engine` (JSON) instead. A proposal no longer needed is `withdrawn`
-- with its reason in `reason`; the old `superseded` rows become withdrawn alike.
ALTER TABLE proposals ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;
ALTER TABLE proposals ADD COLUMN changes TEXT;
ALTER TABLE proposals ADD COLUMN revised_at TIMESTAMP;
ALTER TABLE proposals ADD COLUMN revised_run_id BIGINT REFERENCES replenishment_runs(id);
ALTER TABLE proposals ADD COLUMN locked BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE proposals ADD COLUMN engine TEXT;
UPDATE proposals
   SET status = 'withdrawn',
       reason = COALESCE(reason, 'replaced by a later run (before proposals were revised in place)')
 WHERE status = 'superseded';
