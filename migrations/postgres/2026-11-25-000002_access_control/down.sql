DROP TRIGGER movements_append_only ON movements;
DROP TABLE audit_log;
DROP FUNCTION spares_append_only();
DROP TABLE api_keys;
