DROP INDEX purchase_order_lines_part;
ALTER TABLE purchase_orders DROP COLUMN over_receipt_pct;
ALTER TABLE purchase_order_lines DROP COLUMN expected_at;
ALTER TABLE purchase_order_lines DROP COLUMN closed_qty;
