package services

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"abrak/store"
	"abrak/vmstatus"
)

// IssuedTicket is a ticket's secret, shown to its holder once.
type IssuedTicket struct {
	Secret    string
	VMUUID    string
	ExpiresAt time.Time
}

// Issue mints a ticket for the principal's running VM: 404 for a VM that is not
// theirs, 409 when it is not running, 503 when its node does not answer, and the
// console limits' refusals when too many are open already.
func (c *Consoles) Issue(ctx context.Context, p Principal, uuid string) (IssuedTicket, error) {
	if err := p.Require(ScopeVMConsole); err != nil {
		return IssuedTicket{}, err
	}
	vm, err := c.db.VMForUser(ctx, p.UserID, uuid)
	if errors.Is(err, store.ErrNotFound) || err == nil && vm.Status == vmstatus.Destroyed {
		return IssuedTicket{}, NotFound()
	}
	if err != nil {
		return IssuedTicket{}, Internal(err)
	}
	if vm.Status != vmstatus.Running || vm.NodeID == 0 {
		return IssuedTicket{}, Conflict("console.not_running")
	}
	if _, err := c.locate(ctx, vm); err != nil {
		return IssuedTicket{}, err
	}
	if err := c.roomFor(vm.UserID, vm.UUID); err != nil {
		return IssuedTicket{}, err
	}
	b := make([]byte, 32)
	rand.Read(b)
	secret := base64.RawURLEncoding.EncodeToString(b)
	now := c.cfg.Now()
	t := store.ConsoleTicket{Hash: hashTicket(secret), UserID: p.UserID, PersonID: p.Person(), VMID: vm.ID, Via: p.Via(),
		TokenID: p.TokenID, Session: p.Session, SessionID: p.SessionID, CreatedAt: now, ExpiresAt: now.Add(c.cfg.TTL)}
	if err := c.db.CreateConsoleTicket(ctx, t); err != nil {
		return IssuedTicket{}, Internal(err)
	}
	return IssuedTicket{Secret: secret, VMUUID: vm.UUID, ExpiresAt: t.ExpiresAt}, nil
}

func hashTicket(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// TicketInvalid is the refusal of a ticket that is unknown, used, expired, or
// no longer matches its VM; which of these it was is not told.
func TicketInvalid() *Error {
	return &Error{Status: http.StatusGone, Code: "ticket_invalid", Key: "console.ticket_invalid"}
}

// ConsoleTarget is what the console page shows about the VM a ticket opens.
type ConsoleTarget struct {
	VMUUID      string
	DisplayName string
	ExpiresAt   time.Time
}

// Peek checks a ticket without using it, for the page that will use it.
func (c *Consoles) Peek(ctx context.Context, secret string) (ConsoleTarget, error) {
	t, err := c.db.ConsoleTicketByHash(ctx, hashTicket(secret), c.cfg.Now())
	if errors.Is(err, store.ErrNotFound) {
		return ConsoleTarget{}, TicketInvalid()
	}
	if err != nil {
		return ConsoleTarget{}, Internal(err)
	}
	vm, err := c.db.VMByID(ctx, t.VMID)
	if err != nil {
		return ConsoleTarget{}, Internal(err)
	}
	return ConsoleTarget{VMUUID: vm.UUID, DisplayName: vm.DisplayName, ExpiresAt: t.ExpiresAt}, nil
}
