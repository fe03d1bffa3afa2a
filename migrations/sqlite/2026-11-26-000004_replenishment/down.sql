DROP TABLE webhook_outbox;
DROP TABLE webhook_endpoints;
DROP TABLE reservation_refusals;
DROP TABLE proposals;
DROP TABLE purchase_order_lines;
DROP TABLE purchase_orders;
DROP TABLE replenishment_runs;
DROP TABLE replenishment_policies;
