-- Every stored status is one the code knows: the code fails loudly on any other value
-- (`from_stored`), and these constraints keep such values out in the first place.
-- Proposals `superseded` before 000014 are withdrawn first, as 000014 does.
UPDATE proposals
   SET status = 'withdrawn',
       reason = COALESCE(reason, 'replaced by a later run (before proposals were revised in place)')
 WHERE status = 'superseded';
ALTER TABLE parts ADD CONSTRAINT parts_criticality_known CHECK (criticality IN ('critical', 'high', 'medium', 'low'));
ALTER TABLE reservations ADD CONSTRAINT reservations_status_known CHECK (status IN ('active', 'consumed', 'released', 'expired'));
ALTER TABLE transfers ADD CONSTRAINT transfers_status_known CHECK (status IN ('created', 'shipped', 'partially_received', 'received', 'cancelled'));
ALTER TABLE proposals ADD CONSTRAINT proposals_status_known CHECK (status IN ('open', 'approved', 'rejected', 'withdrawn'));
ALTER TABLE purchase_orders ADD CONSTRAINT purchase_orders_status_known CHECK (status IN ('open', 'partially_received', 'received', 'closed', 'cancelled'));
