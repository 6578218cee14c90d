-- Payments into a wallet through a gateway (Zarinpal). A top-up is pending from the
-- payment request until the gateway's verification says paid (credited exactly once,
-- in the transaction that marks it paid) or not (failed, with the gateway's words);
-- one never finished is marked expired, and is still credited if its verification
-- later says it was paid: money received is never lost.
CREATE TABLE topups (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    gateway      TEXT    NOT NULL,
    amount_rials INTEGER NOT NULL CHECK (amount_rials > 0),
    authority    TEXT    UNIQUE,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'expired')),
    message      TEXT    NOT NULL DEFAULT '',
    ref_id       TEXT    NOT NULL DEFAULT '',
    card_pan     TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX topups_user ON topups(user_id, id);
CREATE INDEX topups_pending ON topups(status, created_at);
