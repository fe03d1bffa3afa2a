-- A tamper-evident audit trail: each entry carries the SHA-256 of its content linked to the
-- previous entry of its chain. SQLite has one writer at a time, so one chain. Entries with NULL
-- chain columns and an id up to `legacy_upto` were written before the chain existed.
ALTER TABLE audit_log ADD COLUMN chain_id INTEGER;
ALTER TABLE audit_log ADD COLUMN chain_seq BIGINT;
ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN entry_hash TEXT;

CREATE TABLE audit_chains (
    chain_id INTEGER PRIMARY KEY,
    -- The last entry's sequence number and hash: verify compares them with the last row, so a
    -- removed or appended tail shows.
    seq BIGINT NOT NULL,
    head_hash TEXT NOT NULL,
    legacy_upto BIGINT NOT NULL
);
INSERT INTO audit_chains (chain_id, seq, head_hash, legacy_upto)
VALUES (0, 0, '0000000000000000000000000000000000000000000000000000000000000000',
        COALESCE((SELECT MAX(id) FROM audit_log), 0));
