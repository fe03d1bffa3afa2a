DROP TRIGGER movements_no_delete;
DROP TRIGGER movements_no_update;
DROP TABLE audit_log;
DROP TABLE api_keys;
