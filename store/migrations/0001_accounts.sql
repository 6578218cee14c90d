-- Users, their sessions (scs sqlite3store's table), wallet ledger and audit trail.
CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    email               TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name                TEXT    NOT NULL,
    password_hash       TEXT    NOT NULL,
    locale              TEXT    NOT NULL DEFAULT '',
    is_admin            INTEGER NOT NULL DEFAULT 0,
    balance_rials       INTEGER NOT NULL DEFAULT 0 CHECK (balance_rials >= 0),
    totp_secret         TEXT    NOT NULL DEFAULT '',
    totp_enabled        INTEGER NOT NULL DEFAULT 0,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);

CREATE TABLE recovery_codes (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    code_hash  TEXT    NOT NULL,
    used_at    INTEGER
);
CREATE INDEX recovery_codes_user ON recovery_codes(user_id);

CREATE TABLE sessions (
    token  TEXT PRIMARY KEY,
    data   BLOB NOT NULL,
    expiry REAL NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions(expiry);

-- Every change of a wallet balance is one ledger row written in the same
-- transaction as the balance, so the balance is always the sum of the ledger.
CREATE TABLE ledger (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    amount_rials   INTEGER NOT NULL,
    balance_after  INTEGER NOT NULL,
    kind           TEXT    NOT NULL,
    ref            TEXT    NOT NULL DEFAULT '',
    created_at     INTEGER NOT NULL
);
CREATE INDEX ledger_user ON ledger(user_id, id);

CREATE TABLE audit_events (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER REFERENCES users(id) ON DELETE CASCADE,
    action       TEXT    NOT NULL,
    severity     TEXT    NOT NULL CHECK (severity IN ('info', 'warning', 'security')),
    via          TEXT    NOT NULL DEFAULT '',
    target_type  TEXT    NOT NULL DEFAULT '',
    target_id    TEXT    NOT NULL DEFAULT '',
    ip           TEXT    NOT NULL DEFAULT '',
    detail       TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL
);
CREATE INDEX audit_events_user ON audit_events(user_id, id);
