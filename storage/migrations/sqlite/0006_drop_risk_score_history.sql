-- The stored risk score history was written by the demo and never read: risk is computed from
-- the signals when asked (docs/product.md §4.3).

DROP TABLE entity_risk_scores;
