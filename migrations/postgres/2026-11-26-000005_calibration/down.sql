ALTER TABLE replenishment_runs DROP COLUMN calibration_id;
ALTER TABLE replenishment_runs DROP COLUMN internal_target;
DROP TABLE replenishment_calibrations;
