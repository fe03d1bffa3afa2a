ALTER TABLE parts DROP CONSTRAINT parts_criticality_known;
ALTER TABLE reservations DROP CONSTRAINT reservations_status_known;
ALTER TABLE transfers DROP CONSTRAINT transfers_status_known;
ALTER TABLE proposals DROP CONSTRAINT proposals_status_known;
ALTER TABLE purchase_orders DROP CONSTRAINT purchase_orders_status_known;
