-- What minted a console ticket: an API token, or a browser session (its token, as
-- the sessions table keeps it, emptied when the ticket is claimed). A ticket is
-- claimed only while its minter still holds: a revoked or expired token, or a
-- session that ended, leaves its tickets unusable.
ALTER TABLE console_tickets ADD COLUMN token_id INTEGER REFERENCES api_tokens(id) ON DELETE CASCADE;
ALTER TABLE console_tickets ADD COLUMN session TEXT NOT NULL DEFAULT '';
