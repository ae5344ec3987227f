-- Until sign-in exists, everyone who has not signed in shares one reserved account, so that
-- per-user state (the overview layout) has an owner. It has no password and is inactive: it can
-- never sign in, and it is not counted as a team member. Real accounts start at id 1.
INSERT INTO users (id, username, display_name, email, role, active, password_hash, created_at_ms)
VALUES (0, 'anonymous', 'Anonymous', NULL, 'viewer', FALSE, NULL, 0);
