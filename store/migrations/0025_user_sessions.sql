-- Each signed-in browser, so that customers see where they are signed in and
-- can end a session: the browser's scs session holds public_id.
CREATE TABLE user_sessions (
    id           INTEGER PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    public_id    TEXT    NOT NULL UNIQUE,
    ip           TEXT    NOT NULL DEFAULT '',
    user_agent   TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ended_at     INTEGER
);
CREATE INDEX user_sessions_user ON user_sessions(user_id, id);
