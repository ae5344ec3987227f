-- Hardening (issue 10): sessions end after an idle hour as well as after 12 hours; invited
-- accounts must choose their own password at first sign-in; service accounts (no password)
-- are what API keys for shippers and scripts act as; the history refuses TRUNCATE too.

ALTER TABLE sessions ADD COLUMN last_seen_ms BIGINT NOT NULL DEFAULT 0;
UPDATE sessions SET last_seen_ms = created_at_ms;
CREATE INDEX sessions_last_seen ON sessions (last_seen_ms);

ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE users ADD COLUMN service BOOLEAN NOT NULL DEFAULT FALSE;

CREATE INDEX sign_in_failures_pair ON sign_in_failures (username, address, at_ms);

-- A change made with an API key names the key (the actor is the key's account: its admin or a
-- service account).
ALTER TABLE history ADD COLUMN api_key_id BIGINT;

CREATE TRIGGER history_is_append_only_truncate
    BEFORE TRUNCATE ON history
    FOR EACH STATEMENT EXECUTE FUNCTION history_is_append_only();
