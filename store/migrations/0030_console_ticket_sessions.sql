-- The browser session (user_sessions.public_id) whose page minted a console
-- ticket, so the console it opens closes when that session ends ('' for an
-- API token's ticket and for tickets from before this column).
ALTER TABLE console_tickets ADD COLUMN sid TEXT NOT NULL DEFAULT '';
