-- Server secrets made once per database (the CSRF token key, for now), so that a
-- restart of the panel keeps the forms it has served valid.
CREATE TABLE secrets (
    name       TEXT PRIMARY KEY,
    value      BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);
