-- Signalboard's data model (product-spec §1 and §2). Times are INTEGER milliseconds since the
-- Unix epoch (UTC) on both backends, so the same SQL and the same code read them.

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    username        TEXT    NOT NULL UNIQUE,
    display_name    TEXT    NOT NULL,
    email           TEXT,
    role            TEXT    NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    active          BOOLEAN NOT NULL DEFAULT TRUE,
    password_hash   TEXT,
    created_at_ms   BIGINT  NOT NULL
);

CREATE TABLE content_packs (
    id              TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL,
    category        TEXT    NOT NULL,
    enabled         BOOLEAN NOT NULL,
    health          TEXT    NOT NULL CHECK (health IN ('active', 'warning', 'broken', 'disabled')),
    health_detail   TEXT,
    health_since_ms BIGINT
);

CREATE TABLE log_sources (
    id              TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL,
    content_pack_id TEXT    NOT NULL REFERENCES content_packs (id)
);

-- Events ingested per source and hour: the "logs analyzed" series.
CREATE TABLE log_volume (
    log_source_id   TEXT    NOT NULL REFERENCES log_sources (id),
    hour_ms         BIGINT  NOT NULL,
    events          BIGINT  NOT NULL,
    PRIMARY KEY (log_source_id, hour_ms)
);

CREATE TABLE detection_rules (
    id               TEXT    PRIMARY KEY,
    name             TEXT    NOT NULL,
    default_severity TEXT    NOT NULL,
    enabled          BOOLEAN NOT NULL,
    origin           TEXT    NOT NULL CHECK (origin IN ('default', 'custom')),
    log_source_id    TEXT    NOT NULL REFERENCES log_sources (id),
    content_pack_id  TEXT    NOT NULL REFERENCES content_packs (id),
    created_at_ms    BIGINT  NOT NULL
);

-- The ATT&CK tactics (TA00xx) and techniques (T1234, T1234.001) a rule detects.
CREATE TABLE rule_tactics (
    rule_id         TEXT    NOT NULL REFERENCES detection_rules (id),
    tactic_id       TEXT    NOT NULL,
    PRIMARY KEY (rule_id, tactic_id)
);

CREATE TABLE rule_techniques (
    rule_id         TEXT    NOT NULL REFERENCES detection_rules (id),
    technique_id    TEXT    NOT NULL,
    PRIMARY KEY (rule_id, technique_id)
);

CREATE TABLE entities (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    UNIQUE (kind, name)
);

-- Every recomputation of an entity's risk score (product-spec §4.3).
CREATE TABLE entity_risk_scores (
    entity_id       BIGINT  NOT NULL REFERENCES entities (id),
    computed_at_ms  BIGINT  NOT NULL,
    score           REAL NOT NULL,
    PRIMARY KEY (entity_id, computed_at_ms)
);

CREATE TABLE cases (
    id              INTEGER PRIMARY KEY,
    title           TEXT    NOT NULL,
    description     TEXT    NOT NULL DEFAULT '',
    status          TEXT    NOT NULL CHECK (status IN ('open', 'in_progress', 'closed')),
    priority        TEXT    NOT NULL CHECK (priority IN ('P1', 'P2', 'P3', 'P4', 'P5')),
    assignee_id     BIGINT  REFERENCES users (id),
    created_at_ms   BIGINT  NOT NULL,
    updated_at_ms   BIGINT  NOT NULL,
    closed_at_ms    BIGINT
);

CREATE TABLE signals (
    id                  INTEGER PRIMARY KEY,
    rule_id             TEXT    NOT NULL REFERENCES detection_rules (id),
    title               TEXT    NOT NULL,
    severity            TEXT    NOT NULL CHECK (severity IN ('critical', 'high', 'medium', 'low', 'info')),
    product             TEXT    NOT NULL CHECK (product IN ('siem', 'workload', 'appsec')),
    log_source_id       TEXT    NOT NULL REFERENCES log_sources (id),
    first_seen_ms       BIGINT  NOT NULL,
    detected_at_ms      BIGINT  NOT NULL,
    ip                  TEXT,
    country_iso         TEXT,
    region              TEXT,
    city                TEXT,
    isp                 TEXT,
    asn                 BIGINT,
    ti_indicator        TEXT,
    ti_category         TEXT,
    ti_intention        TEXT,
    ti_subcategory      TEXT,
    triage_state        TEXT    NOT NULL DEFAULT 'open' CHECK (triage_state IN ('open', 'under_review', 'archived')),
    assignee_id         BIGINT  REFERENCES users (id),
    archive_reason      TEXT,
    archive_comment     TEXT,
    case_id             BIGINT  REFERENCES cases (id),
    tags                TEXT    NOT NULL DEFAULT '',
    -- Optimistic concurrency: every change bumps it; a write naming an older version is refused.
    version             BIGINT  NOT NULL DEFAULT 1
);
CREATE INDEX signals_detected_at ON signals (detected_at_ms);
CREATE INDEX signals_rule ON signals (rule_id, detected_at_ms);

CREATE TABLE signal_entities (
    signal_id       BIGINT  NOT NULL REFERENCES signals (id),
    entity_id       BIGINT  NOT NULL REFERENCES entities (id),
    PRIMARY KEY (signal_id, entity_id)
);
CREATE INDEX signal_entities_entity ON signal_entities (entity_id);

CREATE TABLE incidents (
    id              INTEGER PRIMARY KEY,
    title           TEXT    NOT NULL,
    severity        TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    commander_id    BIGINT  REFERENCES users (id),
    case_id         BIGINT  REFERENCES cases (id),
    signal_id       BIGINT  REFERENCES signals (id),
    declared_at_ms  BIGINT  NOT NULL
);

-- The immutable history (product-spec §2): appended to, never updated or deleted.
CREATE TABLE history (
    id              INTEGER PRIMARY KEY,
    at_ms           BIGINT  NOT NULL,
    actor_id        BIGINT  REFERENCES users (id),
    asset_type      TEXT    NOT NULL CHECK (asset_type IN ('security_signal', 'case', 'rule', 'user')),
    asset_id        TEXT    NOT NULL,
    action          TEXT    NOT NULL,
    old_value       TEXT,
    new_value       TEXT,
    reason          TEXT,
    comment         TEXT
);
CREATE INDEX history_asset ON history (asset_type, asset_id, at_ms);
CREATE INDEX history_at ON history (at_ms);

CREATE TABLE user_layouts (
    user_id         INTEGER PRIMARY KEY REFERENCES users (id),
    schema_version  INTEGER NOT NULL,
    layout          TEXT    NOT NULL,
    updated_at_ms   BIGINT  NOT NULL
);

CREATE TABLE articles (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL CHECK (kind IN ('research', 'release_note')),
    title           TEXT    NOT NULL,
    url             TEXT    NOT NULL,
    summary         TEXT    NOT NULL DEFAULT '',
    published_at_ms BIGINT  NOT NULL
);

CREATE TRIGGER history_is_append_only_update BEFORE UPDATE ON history
BEGIN
    SELECT RAISE(ABORT, 'the history is append-only');
END;

CREATE TRIGGER history_is_append_only_delete BEFORE DELETE ON history
BEGIN
    SELECT RAISE(ABORT, 'the history is append-only');
END;
