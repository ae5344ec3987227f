-- The installation itself: one row, written when the database is first migrated.
CREATE TABLE installation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
INSERT INTO installation (id) VALUES (1);
