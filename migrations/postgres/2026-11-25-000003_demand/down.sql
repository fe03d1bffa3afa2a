DROP TABLE job_leases;
DROP TABLE forecast_runs;
DROP TABLE forecasts;
DROP TABLE demand_records;
DROP TABLE demand_daily;
