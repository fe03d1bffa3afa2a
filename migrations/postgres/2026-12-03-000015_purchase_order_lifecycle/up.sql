-- Purchase-order lifecycle: a line can be short-closed (the rest will not come: `closed_qty`)
-- and has its own expected date; an order can be cancelled; `over_receipt_pct` is the
-- over-delivery the order accepts per line (the setting in force when it was placed).
ALTER TABLE purchase_order_lines ADD COLUMN closed_qty BIGINT NOT NULL DEFAULT 0 CHECK (closed_qty >= 0);
ALTER TABLE purchase_order_lines ADD COLUMN expected_at TIMESTAMP;
UPDATE purchase_order_lines
   SET expected_at = (SELECT o.expected_at FROM purchase_orders o WHERE o.id = purchase_order_lines.purchase_order_id);
ALTER TABLE purchase_orders ADD COLUMN over_receipt_pct TEXT NOT NULL DEFAULT '0';
CREATE INDEX purchase_order_lines_part ON purchase_order_lines(part_id);
