-- Sessions that began before this moment (unix nanoseconds) are no longer valid (set when the password changes).
ALTER TABLE users ADD COLUMN sessions_valid_after INTEGER NOT NULL DEFAULT 0;
