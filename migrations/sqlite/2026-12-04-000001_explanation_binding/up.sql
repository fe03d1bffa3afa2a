-- Explanations a buyer can act on: the constraint that set a proposal's quantity is a column
-- (so lists can filter and sort on it without reading the JSON explanation), and each policy
-- keeps the constraint that set its level (network, region or class target, critical floor)
-- for the proposals made from it. Existing rows predate the distinction: network target.
ALTER TABLE proposals ADD COLUMN binding TEXT NOT NULL DEFAULT 'network_target';
ALTER TABLE replenishment_policies ADD COLUMN binding TEXT NOT NULL DEFAULT 'network_target';
