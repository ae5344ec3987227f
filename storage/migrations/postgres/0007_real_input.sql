-- Real input (issue 13, docs/product.md §7): keys scoped to what they may do, the ids of the
-- events ingested per source (a retried batch is counted once), each source's intake state (its
-- freshness and refused events, which its pack's health is judged by), and threat-intelligence
-- lists.

-- Existing keys keep what they could do: read and write, as their account's role allows.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read,write';

-- A 16-byte hash of the event's own id (or of the event, when it has none), under the event's
-- own time (0 when it has none): a retry repeats both, and logs arrive roughly in time order, so
-- a batch's keys land together in the index instead of on a page each.
CREATE TABLE ingested_events (
    log_source_id   TEXT    NOT NULL,
    event_time_ms   BIGINT  NOT NULL,
    event_key       BYTEA   NOT NULL,
    received_at_ms  BIGINT  NOT NULL,
    PRIMARY KEY (log_source_id, event_time_ms, event_key)
);

CREATE TABLE log_source_status (
    log_source_id       TEXT    PRIMARY KEY REFERENCES log_sources (id),
    first_received_ms   BIGINT,
    last_received_ms    BIGINT,
    -- The current run of refused batches: when it began, the last one, its events and reason.
    refusing_since_ms   BIGINT,
    last_refusal_ms     BIGINT,
    refused_events      BIGINT  NOT NULL DEFAULT 0,
    last_refusal        TEXT
);

CREATE TABLE intel_lists (
    id              BIGSERIAL PRIMARY KEY,
    name            TEXT    NOT NULL UNIQUE,
    category        TEXT    NOT NULL,
    subcategory     TEXT,
    intention       TEXT    NOT NULL,
    created_at_ms   BIGINT  NOT NULL
);

CREATE TABLE intel_networks (
    list_id         BIGINT  NOT NULL REFERENCES intel_lists (id) ON DELETE CASCADE,
    network         TEXT    NOT NULL,
    PRIMARY KEY (list_id, network)
);
