-- The last authenticator time step accepted, so a code cannot be used twice (RFC 6238 §5.2).
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;
