-- Refusals double as the queue of urgent replenishment runs: a background job runs one
-- urgent run per part with unhandled refusals and stamps them, so a burst of refusals for
-- one part costs one run, off the request path.
ALTER TABLE reservation_refusals ADD COLUMN urgent_handled_at TIMESTAMP NULL;
CREATE INDEX reservation_refusals_pending ON reservation_refusals(part_id) WHERE urgent_handled_at IS NULL;
