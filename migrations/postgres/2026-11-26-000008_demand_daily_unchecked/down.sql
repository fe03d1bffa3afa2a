ALTER TABLE demand_daily
    ADD CONSTRAINT demand_daily_warehouse_id_fkey FOREIGN KEY (warehouse_id) REFERENCES warehouses(id),
    ADD CONSTRAINT demand_daily_part_id_fkey FOREIGN KEY (part_id) REFERENCES parts(id);
