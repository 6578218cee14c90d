-- Console tickets: the credential of one websocket connection to a VM's screen.
-- Only the SHA-256 of the secret is kept; times are unix milliseconds because a
-- ticket lives for 60 seconds and a whole-second clock would shorten it by up to one.
CREATE TABLE console_tickets (
    id         INTEGER PRIMARY KEY,
    hash       TEXT    NOT NULL UNIQUE,
    user_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    vm_id      INTEGER NOT NULL REFERENCES vms(id),
    via        TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX console_tickets_expires ON console_tickets(expires_at);
