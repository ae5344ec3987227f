-- ATT&CK Navigator layers a user imported to draw over the matrix (issue 17, docs/product.md
-- §4.6): the layer's name and the technique IDs it lists (comma-separated, as given).

CREATE TABLE attack_layers (
    id              BIGSERIAL PRIMARY KEY,
    user_id         BIGINT  NOT NULL REFERENCES users (id),
    name            TEXT    NOT NULL,
    techniques      TEXT    NOT NULL,
    created_at_ms   BIGINT  NOT NULL
);
CREATE INDEX attack_layers_user ON attack_layers (user_id, id);
