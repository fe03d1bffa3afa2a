DROP INDEX reservation_refusals_pending;
ALTER TABLE reservation_refusals DROP COLUMN urgent_handled_at;
