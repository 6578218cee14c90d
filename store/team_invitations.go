package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// ErrInvitationUsed: the invitation was accepted, revoked or has expired.
var ErrInvitationUsed = errors.New("store: the invitation can no longer be used")

// Invitation is an invitation to a team by e-mail. Only the hash of its
// secret is kept: the secret is in the letter's link and nowhere else.
type Invitation struct {
	ID        int64
	TeamID    int64
	TeamName  string
	Email     string
	Role      string
	Hash      string
	InvitedBy int64
	// InviterName is who sent it, as the letter and the page say.
	InviterName string
	CreatedAt   time.Time
	ExpiresAt   time.Time
}

const invitationColumns = `i.id, i.team_id, t.name, i.email, i.role, i.hash, coalesce(i.invited_by, 0), coalesce(b.name, ''), i.created_at, i.expires_at`

func scanInvitation(row interface{ Scan(...any) error }) (Invitation, error) {
	var v Invitation
	var created, expires int64
	err := row.Scan(&v.ID, &v.TeamID, &v.TeamName, &v.Email, &v.Role, &v.Hash, &v.InvitedBy, &v.InviterName, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	v.CreatedAt, v.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
	return v, err
}

const invitationFrom = ` FROM team_invitations i JOIN users t ON t.id = i.team_id LEFT JOIN users b ON b.id = i.invited_by `

// CreateInvitation records an invitation, replacing (revoking) a pending one
// to the same address for the same team, in one transaction. A personal
// account invites no one (ErrPersonalTeam).
func (db *DB) CreateInvitation(ctx context.Context, v Invitation) (Invitation, error) {
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM users WHERE id = ? AND closed_at IS NULL`, v.TeamID).Scan(&kind); errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		} else if err != nil {
			return err
		}
		if kind != "team" {
			return ErrPersonalTeam
		}
		if _, err := tx.ExecContext(ctx, `UPDATE team_invitations SET revoked_at = ? WHERE team_id = ? AND email = ? AND accepted_at IS NULL AND revoked_at IS NULL`,
			v.CreatedAt.Unix(), v.TeamID, v.Email); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO team_invitations (team_id, email, role, hash, invited_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			v.TeamID, v.Email, v.Role, v.Hash, nullID(v.InvitedBy), v.CreatedAt.Unix(), v.ExpiresAt.Unix())
		if err != nil {
			return err
		}
		v.ID, _ = res.LastInsertId()
		return nil
	})
	return v, err
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// PendingInvitations lists a team's invitations not yet accepted, revoked or
// expired at now, newest first.
func (db *DB) PendingInvitations(ctx context.Context, team int64, now time.Time) ([]Invitation, error) {
	rows, err := db.read(ctx, `SELECT `+invitationColumns+invitationFrom+`
		WHERE i.team_id = ? AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > ? ORDER BY i.id DESC`, team, now.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Invitation
	for rows.Next() {
		v, err := scanInvitation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// InvitationByHash finds an invitation that can still be used at now;
// ErrInvitationUsed when it was accepted, revoked or has expired (or its
// team closed), ErrNotFound when there is none.
func (db *DB) InvitationByHash(ctx context.Context, hash string, now time.Time) (Invitation, error) {
	var accepted, revoked, closed sql.NullInt64
	row := db.readRow(ctx, `SELECT `+invitationColumns+`, i.accepted_at, i.revoked_at, t.closed_at`+invitationFrom+`WHERE i.hash = ?`, hash)
	var v Invitation
	var created, expires int64
	err := row.Scan(&v.ID, &v.TeamID, &v.TeamName, &v.Email, &v.Role, &v.Hash, &v.InvitedBy, &v.InviterName, &created, &expires, &accepted, &revoked, &closed)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrNotFound
	}
	if err != nil {
		return v, err
	}
	v.CreatedAt, v.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
	if accepted.Valid || revoked.Valid || closed.Valid || !now.Before(v.ExpiresAt) {
		return v, ErrInvitationUsed
	}
	return v, nil
}

// RevokeInvitation revokes a team's pending invitation; ErrNotFound when
// there is no such pending invitation.
func (db *DB) RevokeInvitation(ctx context.Context, team, id int64, now time.Time) error {
	return db.exec1(ctx, `UPDATE team_invitations SET revoked_at = ? WHERE id = ? AND team_id = ? AND accepted_at IS NULL AND revoked_at IS NULL`, now.Unix(), id, team)
}

// AcceptInvitation uses the invitation with this hash for person, once, in one
// transaction: the invitation is marked accepted and the person joins the
// team with its role. ErrInvitationUsed when it can no longer be used (a
// second use, even racing the first, finds it accepted); ErrConflict when the
// person already belongs to the team (the invitation stays usable).
func (db *DB) AcceptInvitation(ctx context.Context, hash string, person int64, now time.Time) (Invitation, error) {
	var v Invitation
	err := db.Tx(ctx, func(tx *sql.Tx) error {
		var created, expires int64
		err := tx.QueryRowContext(ctx, `SELECT `+invitationColumns+invitationFrom+`WHERE i.hash = ? AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND t.closed_at IS NULL`, hash).
			Scan(&v.ID, &v.TeamID, &v.TeamName, &v.Email, &v.Role, &v.Hash, &v.InvitedBy, &v.InviterName, &created, &expires)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrInvitationUsed
		} else if err != nil {
			return err
		}
		v.CreatedAt, v.ExpiresAt = time.Unix(created, 0).UTC(), time.Unix(expires, 0).UTC()
		if !now.Before(v.ExpiresAt) {
			return ErrInvitationUsed
		}
		if err := addMember(ctx, tx, v.TeamID, person, v.Role, now); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE team_invitations SET accepted_at = ?, accepted_by = ? WHERE id = ?`, now.Unix(), person, v.ID)
		return err
	})
	return v, err
}

// MarkEmailVerified confirms a person's address when they proved it another
// way than the verification letter (an invitation's link sent to it), only if
// it is still their address.
func (db *DB) MarkEmailVerified(ctx context.Context, id int64, email string, now time.Time) error {
	_, err := db.W.ExecContext(ctx, `UPDATE users SET email_verified_at = coalesce(email_verified_at, ?) WHERE id = ? AND email = ?`, now.Unix(), id, email)
	return err
}
