UPDATE proposals SET status = 'superseded' WHERE status = 'withdrawn';
ALTER TABLE proposals DROP COLUMN engine;
ALTER TABLE proposals DROP COLUMN locked;
ALTER TABLE proposals DROP COLUMN revised_run_id;
ALTER TABLE proposals DROP COLUMN revised_at;
ALTER TABLE proposals DROP COLUMN changes;
ALTER TABLE proposals DROP COLUMN revision;
