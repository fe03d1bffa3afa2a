-- Web console sign-ins. Sessions live in the database so that every instance serves them; the
-- cookie carries a random token of which only the SHA-256 is stored (as for API keys). Each
-- session names the key it was opened with: the key's role and scope decide every page, and
-- revoking or expiring the key ends the session on its next request.
CREATE TABLE console_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token_hash TEXT NOT NULL UNIQUE,
    key_id BIGINT NOT NULL REFERENCES api_keys (id),
    -- Sent back in every state-changing form and compared in constant time.
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX console_sessions_key ON console_sessions (key_id);
