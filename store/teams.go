package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"
)

// The roles a person can have in a team (docs/decisions.md, "Teams").
const (
	RoleOwner   = "owner"
	RoleAdmin   = "admin"
	RoleMember  = "member"
	RoleBilling = "billing"
	RoleViewer  = "viewer"
)

// Roles lists the roles from the most to the least powerful.
var Roles = []string{RoleOwner, RoleAdmin, RoleMember, RoleBilling, RoleViewer}

// ValidRole reports whether role is one of Roles.
func ValidRole(role string) bool {
	for _, r := range Roles {
		if r == role {
			return true
		}
	}
	return false
}

// ErrLastOwner: the change would leave a team without an owner.
var ErrLastOwner = errors.New("store: a team keeps at least one owner")

// ErrPersonalTeam: a person's own account has no other member.
var ErrPersonalTeam = errors.New("store: a personal account has no other members")

// Membership is one person's place in one team.
type Membership struct {
	TeamID   int64
	PersonID int64
	Role     string
	TeamName string
	// Personal: the team is the person's own account.
	Personal bool
	Since    time.Time
}

// Member is a team's member as its members page lists them.
type Member struct {
	PersonID int64
	Name     string
	Email    string
	Role     string
	Since    time.Time
}

// CreateTeam makes a new team account owned by owner, in one transaction: the
// account (kind 'team', address team:<id>, no password) and its first owner.
func (db *DB) CreateTeam(ctx context.Context, owner int64, name, locale string) (User, error) {
	now := time.Now()
	var team User
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM users WHERE id = ? AND closed_at IS NULL`, owner).Scan(&kind); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if kind != "person" {
			return ErrNotFound
		}
		// The address is made from the id, which the insert gives: a
		// placeholder no address can equal comes first.
		res, err := tx.ExecContext(ctx, `INSERT INTO users (email, name, password_hash, locale, kind, created_at, updated_at, email_verified_at)
			VALUES ('team:new:' || ?1, ?2, '!', ?3, 'team', ?4, ?4, ?4)`, now.UnixNano(), name, locale, now.Unix())
		if err != nil {
			return err
		}
		team.ID, _ = res.LastInsertId()
		team.Email = "team:" + strconv.FormatInt(team.ID, 10)
		if _, err := tx.ExecContext(ctx, `UPDATE users SET email = ? WHERE id = ?`, team.Email, team.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO team_members (team_id, person_id, role, created_at) VALUES (?, ?, 'owner', ?)`, team.ID, owner, now.Unix())
		return err
	})
	if err != nil {
		return User{}, err
	}
	team.Name, team.Locale, team.PasswordHash = name, locale, "!"
	team.CreatedAt = time.Unix(now.Unix(), 0).UTC()
	team.EmailVerified = true
	return team, nil
}

const membershipColumns = `m.team_id, m.person_id, m.role, t.name, t.kind = 'person', m.created_at`

func scanMembership(row interface{ Scan(...any) error }) (Membership, error) {
	var m Membership
	var since int64
	err := row.Scan(&m.TeamID, &m.PersonID, &m.Role, &m.TeamName, &m.Personal, &since)
	if errors.Is(err, sql.ErrNoRows) {
		return m, ErrNotFound
	}
	m.Since = time.Unix(since, 0).UTC()
	return m, err
}

// MembershipOf is person's place in team; ErrNotFound when they are not a
// member or the team is closed.
func (db *DB) MembershipOf(ctx context.Context, team, person int64) (Membership, error) {
	return scanMembership(db.readRow(ctx, `SELECT `+membershipColumns+` FROM team_members m JOIN users t ON t.id = m.team_id
		WHERE m.team_id = ? AND m.person_id = ? AND t.closed_at IS NULL`, team, person))
}

// TeamsOf lists the teams a person belongs to: their own account first, then
// the others by name.
func (db *DB) TeamsOf(ctx context.Context, person int64) ([]Membership, error) {
	rows, err := db.read(ctx, `SELECT `+membershipColumns+` FROM team_members m JOIN users t ON t.id = m.team_id
		WHERE m.person_id = ? AND t.closed_at IS NULL ORDER BY t.kind = 'team', t.name COLLATE NOCASE, t.id`, person)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Membership
	for rows.Next() {
		m, err := scanMembership(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// Members lists a team's members, owners first, then by name.
func (db *DB) Members(ctx context.Context, team int64) ([]Member, error) {
	rows, err := db.read(ctx, `SELECT p.id, p.name, p.email, m.role, m.created_at FROM team_members m JOIN users p ON p.id = m.person_id
		WHERE m.team_id = ? ORDER BY CASE m.role WHEN 'owner' THEN 0 WHEN 'admin' THEN 1 WHEN 'member' THEN 2 WHEN 'billing' THEN 3 ELSE 4 END,
		p.name COLLATE NOCASE, p.id`, team)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		var since int64
		if err := rows.Scan(&m.PersonID, &m.Name, &m.Email, &m.Role, &since); err != nil {
			return nil, err
		}
		m.Since = time.Unix(since, 0).UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}

// addMember puts person in team with role; a personal account takes no one
// but its person, and someone already a member is ErrConflict.
func addMember(ctx context.Context, tx *sql.Tx, team, person int64, role string, now time.Time) error {
	var kind string
	if err := tx.QueryRowContext(ctx, `SELECT kind FROM users WHERE id = ? AND closed_at IS NULL`, team).Scan(&kind); errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return err
	}
	if kind != "team" {
		return ErrPersonalTeam
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO team_members (team_id, person_id, role, created_at) VALUES (?, ?, ?, ?)`, team, person, role, now.Unix())
	if isUnique(err) {
		return ErrConflict
	}
	return err
}

// AddMember puts a person in a team with a role.
func (db *DB) AddMember(ctx context.Context, team, person int64, role string) error {
	return db.Tx(ctx, func(tx *sql.Tx) error { return addMember(ctx, tx, team, person, role, time.Now()) })
}

// owners counts a team's owners inside tx.
func owners(ctx context.Context, tx *sql.Tx, team int64) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT count(*) FROM team_members WHERE team_id = ? AND role = 'owner'`, team).Scan(&n)
	return n, err
}

// SetRole changes a member's role; ErrLastOwner when it would leave the team
// without an owner, ErrNotFound when they are not a member.
func (db *DB) SetRole(ctx context.Context, team, person int64, role string) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		var was string
		if err := tx.QueryRowContext(ctx, `SELECT role FROM team_members WHERE team_id = ? AND person_id = ?`, team, person).Scan(&was); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if was == role {
			return nil
		}
		if was == RoleOwner {
			if n, err := owners(ctx, tx, team); err != nil {
				return err
			} else if n <= 1 {
				return ErrLastOwner
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE team_members SET role = ? WHERE team_id = ? AND person_id = ?`, role, team, person)
		return err
	})
}

// RemoveMember takes a person out of a team, with what they made that acts
// on their own: their tokens for the team are revoked, and a console ticket
// opened for them can no longer be claimed (ClaimConsoleTicket). ErrLastOwner when they are its last owner; a
// person cannot leave their own account (ErrPersonalTeam).
func (db *DB) RemoveMember(ctx context.Context, team, person int64, now time.Time) error {
	return db.Tx(ctx, func(tx *sql.Tx) error {
		if team == person {
			return ErrPersonalTeam
		}
		var was string
		if err := tx.QueryRowContext(ctx, `SELECT role FROM team_members WHERE team_id = ? AND person_id = ?`, team, person).Scan(&was); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if was == RoleOwner {
			if n, err := owners(ctx, tx, team); err != nil {
				return err
			} else if n <= 1 {
				return ErrLastOwner
			}
		}
		for _, q := range []string{
			`DELETE FROM team_members WHERE team_id = ?1 AND person_id = ?2`,
			`UPDATE api_tokens SET revoked_at = ?3 WHERE user_id = ?1 AND created_by = ?2 AND revoked_at IS NULL`,
		} {
			if _, err := tx.ExecContext(ctx, q, team, person, now.Unix()); err != nil {
				return err
			}
		}
		return nil
	})
}

// soleOwnerOf selects, from team_members m, the open teams (not personal
// accounts) whose only owner is the person ?1.
const soleOwnerOf = ` FROM team_members m JOIN users t ON t.id = m.team_id
	WHERE m.person_id = ?1 AND m.role = 'owner' AND t.kind = 'team' AND t.closed_at IS NULL
	AND NOT EXISTS (SELECT 1 FROM team_members o WHERE o.team_id = m.team_id AND o.role = 'owner' AND o.person_id != ?1) `

// OwnedTeams lists the open teams (not personal accounts) whose only owner is
// person: closing the person's account would leave them ownerless.
func (db *DB) OwnedTeams(ctx context.Context, person int64) ([]int64, error) {
	rows, err := db.read(ctx, `SELECT m.team_id`+soleOwnerOf+`ORDER BY m.team_id`, person)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// Recipients are the members of a team who have one of roles and a
// confirmed address: the letters about the team go to them, each in their
// own language.
func (db *DB) Recipients(ctx context.Context, team int64, roles ...string) ([]User, error) {
	args := []any{team}
	in := ""
	for i, r := range roles {
		if i > 0 {
			in += ", "
		}
		in += "?"
		args = append(args, r)
	}
	if in == "" {
		return nil, nil
	}
	rows, err := db.read(ctx, `SELECT `+userColumns+` FROM users WHERE id IN (SELECT person_id FROM team_members WHERE team_id = ? AND role IN (`+in+`))
		AND closed_at IS NULL AND email_verified_at IS NOT NULL ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// TeamAccount is a team's account with person's role in it and the team's
// change counters, in one read, for a session working in the team;
// ErrNotFound when person is not a member (or the team is closed).
func (db *DB) TeamAccount(ctx context.Context, team, person int64) (u User, role string, c Changes, err error) {
	u, err = scanUser(db.pointRead(ctx, `SELECT `+userColumns+`, `+changesOf("users.id")+`,
		coalesce((SELECT role FROM team_members WHERE team_id = users.id AND person_id = ?2), '') FROM users WHERE id = ?1 AND closed_at IS NULL`, team, person),
		&c.Customer, &c.Catalog, &role)
	if err == nil && role == "" {
		err = ErrNotFound
	}
	return u, role, c, err
}
