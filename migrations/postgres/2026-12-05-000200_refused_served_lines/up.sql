-- A refused reservation is all or none, but only some of its lines were short: the KPIs count
-- the short lines as stock-out lines and the others as demand that stock could serve. So every
-- line of a refusal is kept, with `short` telling them apart; rows written before were the
-- short lines only.
ALTER TABLE reservation_refusals ADD COLUMN short BOOLEAN NOT NULL DEFAULT TRUE;
