-- SQLite cannot add a CHECK to an existing table without rebuilding it (and the tables
-- other tables point at); triggers refuse the same writes with the same effect.
-- Every stored status is one the code knows: the code fails loudly on any other value
-- (`from_stored`), and these constraints keep such values out in the first place.
-- Proposals `superseded` before 000014 are withdrawn first, as 000014 does.
UPDATE proposals
   SET status = 'withdrawn',
       reason = COALESCE(reason, 'replaced by a later run (before proposals were revised in place)')
 WHERE status = 'superseded';
CREATE TRIGGER parts_criticality_known_insert BEFORE INSERT ON parts
WHEN NEW.criticality NOT IN ('critical', 'high', 'medium', 'low')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: parts_criticality_known');
END;
CREATE TRIGGER parts_criticality_known_update BEFORE UPDATE OF criticality ON parts
WHEN NEW.criticality NOT IN ('critical', 'high', 'medium', 'low')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: parts_criticality_known');
END;
CREATE TRIGGER reservations_status_known_insert BEFORE INSERT ON reservations
WHEN NEW.status NOT IN ('active', 'consumed', 'released', 'expired')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: reservations_status_known');
END;
CREATE TRIGGER reservations_status_known_update BEFORE UPDATE OF status ON reservations
WHEN NEW.status NOT IN ('active', 'consumed', 'released', 'expired')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: reservations_status_known');
END;
CREATE TRIGGER transfers_status_known_insert BEFORE INSERT ON transfers
WHEN NEW.status NOT IN ('created', 'shipped', 'partially_received', 'received', 'cancelled')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: transfers_status_known');
END;
CREATE TRIGGER transfers_status_known_update BEFORE UPDATE OF status ON transfers
WHEN NEW.status NOT IN ('created', 'shipped', 'partially_received', 'received', 'cancelled')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: transfers_status_known');
END;
CREATE TRIGGER proposals_status_known_insert BEFORE INSERT ON proposals
WHEN NEW.status NOT IN ('open', 'approved', 'rejected', 'withdrawn')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: proposals_status_known');
END;
CREATE TRIGGER proposals_status_known_update BEFORE UPDATE OF status ON proposals
WHEN NEW.status NOT IN ('open', 'approved', 'rejected', 'withdrawn')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: proposals_status_known');
END;
CREATE TRIGGER purchase_orders_status_known_insert BEFORE INSERT ON purchase_orders
WHEN NEW.status NOT IN ('open', 'partially_received', 'received', 'closed', 'cancelled')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: purchase_orders_status_known');
END;
CREATE TRIGGER purchase_orders_status_known_update BEFORE UPDATE OF status ON purchase_orders
WHEN NEW.status NOT IN ('open', 'partially_received', 'received', 'closed', 'cancelled')
BEGIN
    SELECT RAISE(ABORT, 'CHECK constraint failed: purchase_orders_status_known');
END;
