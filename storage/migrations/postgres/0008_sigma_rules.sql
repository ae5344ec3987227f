-- Sigma rules (issue 14, docs/product.md §8): an imported rule keeps its Sigma metadata, its
-- source text and whether it can run; a signal counts the events grouped into it (matches of
-- one rule on one entity within the rule's grouping window) and keeps up to ten of them.

ALTER TABLE detection_rules ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE detection_rules ADD COLUMN author TEXT NOT NULL DEFAULT '';
-- One reference per line.
ALTER TABLE detection_rules ADD COLUMN rule_references TEXT NOT NULL DEFAULT '';
-- 'stable', 'test', 'experimental'; NULL for rules that are not Sigma rules.
ALTER TABLE detection_rules ADD COLUMN sigma_status TEXT;
-- `product=aws service=cloudtrail`, as the rule states it.
ALTER TABLE detection_rules ADD COLUMN sigma_logsource TEXT;
ALTER TABLE detection_rules ADD COLUMN sigma_yaml TEXT;
ALTER TABLE detection_rules ADD COLUMN evaluable BOOLEAN NOT NULL DEFAULT TRUE;
-- Why it cannot run (a log source not ingested, a feature the evaluator lacks).
ALTER TABLE detection_rules ADD COLUMN problem TEXT;
ALTER TABLE detection_rules ADD COLUMN group_window_ms BIGINT NOT NULL DEFAULT 3600000;
ALTER TABLE detection_rules ADD COLUMN updated_at_ms BIGINT;

ALTER TABLE signals ADD COLUMN events BIGINT NOT NULL DEFAULT 1;
ALTER TABLE signals ADD COLUMN last_seen_ms BIGINT;
-- The entity the signal's matches are grouped by (`kind:name`), for rules that group.
ALTER TABLE signals ADD COLUMN group_key TEXT;
CREATE INDEX signals_group ON signals (rule_id, group_key, first_seen_ms) WHERE group_key IS NOT NULL;

-- Up to ten events of a signal, as received.
CREATE TABLE signal_samples (
    signal_id       BIGINT  NOT NULL REFERENCES signals (id),
    n               BIGINT  NOT NULL,
    event           TEXT    NOT NULL,
    PRIMARY KEY (signal_id, n)
);
