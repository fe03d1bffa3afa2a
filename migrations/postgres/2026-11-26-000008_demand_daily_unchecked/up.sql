-- demand_daily's foreign keys cost two referential checks per new (warehouse, part, day) row:
-- most of PostgreSQL's time in a million-row history import. Every writer resolves its ids
-- first (the import from the catalog in its own transaction, the ledger through the balance
-- row, which keeps its foreign keys), and warehouses and parts are never deleted, as for
-- demand_records. SQLite keeps the constraints: its checks are cheap index probes.
ALTER TABLE demand_daily
    DROP CONSTRAINT demand_daily_warehouse_id_fkey,
    DROP CONSTRAINT demand_daily_part_id_fkey;
