-- Teams (issue 28). A team is an account: it owns what an account owns today
-- (VMs, the wallet and its ledger, SSH keys, tokens) through the same user_id
-- columns, so every id, URL and owner check stays as it is. Its row in users
-- has kind 'team', the address team:<id> (no "@": no sign-up can take it, as
-- closed:<id>) and no password. A person's own account is their personal
-- team: today's data is already in it, and its only member is its person.
ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'team'));

-- Who belongs to which team, with one role each. Every person is the owner
-- of their own account.
CREATE TABLE team_members (
    team_id    INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    person_id  INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'billing', 'viewer')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (team_id, person_id)
) WITHOUT ROWID;
CREATE INDEX team_members_person ON team_members(person_id, team_id);
INSERT INTO team_members (team_id, person_id, role, created_at)
    SELECT id, id, 'owner', created_at FROM users WHERE closed_at IS NULL;

-- An invitation by e-mail: the link carries a secret whose hash is kept; it
-- is used once (accepted_at), expires, and can be revoked. One pending
-- invitation per address and team: a new one replaces it.
CREATE TABLE team_invitations (
    id          INTEGER PRIMARY KEY,
    team_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    email       TEXT    NOT NULL COLLATE NOCASE,
    role        TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'billing', 'viewer')),
    hash        TEXT    NOT NULL UNIQUE,
    invited_by  INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    accepted_at INTEGER,
    accepted_by INTEGER REFERENCES users(id) ON DELETE SET NULL,
    revoked_at  INTEGER
);
CREATE UNIQUE INDEX team_invitations_pending ON team_invitations(team_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- Who made a token, and who did what: a team's tokens and activity are the
-- team's, each made or done by one person. The rows before are their
-- account's own.
ALTER TABLE api_tokens ADD COLUMN created_by INTEGER REFERENCES users(id) ON DELETE SET NULL;
UPDATE api_tokens SET created_by = user_id;
ALTER TABLE audit_events ADD COLUMN actor_id INTEGER REFERENCES users(id) ON DELETE SET NULL;
UPDATE audit_events SET actor_id = user_id;
CREATE INDEX audit_events_actor ON audit_events(user_id, actor_id, id);
-- The person a console was opened for: removing them from the team closes it.
ALTER TABLE console_tickets ADD COLUMN person_id INTEGER REFERENCES users(id) ON DELETE CASCADE;

-- A change of members changes the team's pages and the person's switcher.
CREATE TRIGGER changes_team_members_insert AFTER INSERT ON team_members BEGIN
	INSERT INTO changes (user_id, seq) VALUES (NEW.team_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
	INSERT INTO changes (user_id, seq) VALUES (NEW.person_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_team_members_update AFTER UPDATE ON team_members BEGIN
	INSERT INTO changes (user_id, seq) VALUES (NEW.team_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
	INSERT INTO changes (user_id, seq) VALUES (NEW.person_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_team_members_delete AFTER DELETE ON team_members BEGIN
	INSERT INTO changes (user_id, seq) VALUES (OLD.team_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
	INSERT INTO changes (user_id, seq) VALUES (OLD.person_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_team_invitations_insert AFTER INSERT ON team_invitations BEGIN
	INSERT INTO changes (user_id, seq) VALUES (NEW.team_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_team_invitations_update AFTER UPDATE ON team_invitations BEGIN
	INSERT INTO changes (user_id, seq) VALUES (NEW.team_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
