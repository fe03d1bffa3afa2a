ALTER TABLE reservation_refusals DROP COLUMN short;
