-- Sign-in (issue 5): sessions, API keys, failed sign-ins, and settings such as the workflow
-- webhook. Tokens and keys are stored only as SHA-256 hashes.

CREATE TABLE sessions (
    token_hash      TEXT    PRIMARY KEY,
    user_id         BIGINT  NOT NULL REFERENCES users (id),
    created_at_ms   BIGINT  NOT NULL,
    expires_at_ms   BIGINT  NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_keys (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT    NOT NULL,
    key_hash        TEXT    NOT NULL UNIQUE,
    -- The key acts as this account, with its role.
    user_id         BIGINT  NOT NULL REFERENCES users (id),
    created_by      BIGINT  REFERENCES users (id),
    created_at_ms   BIGINT  NOT NULL,
    revoked_at_ms   BIGINT
);

CREATE TABLE sign_in_failures (
    id              BIGSERIAL PRIMARY KEY,
    username        TEXT    NOT NULL,
    address         TEXT    NOT NULL,
    at_ms           BIGINT  NOT NULL
);
CREATE INDEX sign_in_failures_username ON sign_in_failures (username, at_ms);
CREATE INDEX sign_in_failures_address ON sign_in_failures (address, at_ms);

CREATE TABLE settings (
    key             TEXT    PRIMARY KEY,
    value           TEXT    NOT NULL,
    updated_at_ms   BIGINT  NOT NULL
);

-- Each run of a workflow (the signal posted to the configured webhook) and how it went.
CREATE TABLE workflow_runs (
    id              BIGSERIAL PRIMARY KEY,
    signal_id       BIGINT  NOT NULL REFERENCES signals (id),
    actor_id        BIGINT  REFERENCES users (id),
    url             TEXT    NOT NULL,
    status_code     INTEGER,
    error           TEXT,
    at_ms           BIGINT  NOT NULL
);


-- New rows in the tables the product writes to get their ids from sequences (SQLite assigns
-- INTEGER PRIMARY KEYs itself). Bulk loads write explicit ids and move the sequences past them.
CREATE SEQUENCE users_ids;
CREATE SEQUENCE cases_ids;
CREATE SEQUENCE incidents_ids;
CREATE SEQUENCE history_ids;
SELECT setval('users_ids', GREATEST((SELECT MAX(id) FROM users), 1));
SELECT setval('cases_ids', GREATEST((SELECT MAX(id) FROM cases), 1));
SELECT setval('incidents_ids', GREATEST((SELECT MAX(id) FROM incidents), 1));
SELECT setval('history_ids', GREATEST((SELECT MAX(id) FROM history), 1));
ALTER TABLE users ALTER COLUMN id SET DEFAULT nextval('users_ids');
ALTER TABLE cases ALTER COLUMN id SET DEFAULT nextval('cases_ids');
ALTER TABLE incidents ALTER COLUMN id SET DEFAULT nextval('incidents_ids');
ALTER TABLE history ALTER COLUMN id SET DEFAULT nextval('history_ids');
