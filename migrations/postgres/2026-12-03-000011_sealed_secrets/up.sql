-- Webhook signing secrets become AES-256-GCM ciphertext; this names the key each is sealed
-- under. NULL marks a plain value from before: the service seals it when it starts with a key
-- file, and never signs with it meanwhile.
ALTER TABLE webhook_endpoints ADD COLUMN secret_key_id TEXT;
