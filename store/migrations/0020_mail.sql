-- E-mail: a queue every message goes through (so a failing mail server never blocks
-- a request or loses a message), single-use links sent by mail (address
-- verification, password reset), and the state of the low-balance warning ladder.
CREATE TABLE mail_queue (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER REFERENCES users(id) ON DELETE SET NULL,
    kind            TEXT    NOT NULL,
    to_addr         TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    text_body       TEXT    NOT NULL,
    html_body       TEXT    NOT NULL,
    -- pending until the server takes it; failed when it refuses it for good (5xx).
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX mail_due ON mail_queue(next_attempt_at) WHERE status = 'pending';

-- Only a hash of a link's token is kept: a copy of the database opens no account.
CREATE TABLE email_links (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL CHECK (purpose IN ('verify', 'reset')),
    token_hash TEXT    NOT NULL UNIQUE,
    -- the address the link was sent to: a verification confirms only that one.
    email      TEXT    NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX email_links_user ON email_links(user_id, purpose);

-- Accounts made before verification existed had no way to verify: they count as verified.
ALTER TABLE users ADD COLUMN email_verified_at INTEGER;
UPDATE users SET email_verified_at = created_at;

-- The lowest rung of the warning ladder (72, 24, 1 hours left) already sent in the
-- current episode of running low; NULL once the balance lasts again.
ALTER TABLE users ADD COLUMN low_balance_warned INTEGER;
