package services

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"abrak/console/rfb"
	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

// ConsoleConfig tunes the console service.
type ConsoleConfig struct {
	// TTL is how long a ticket can be claimed (60 s).
	TTL time.Duration
	// IdleLimit closes a console after this long without the customer's input.
	IdleLimit time.Duration
	// PerVM and PerUser bound the consoles open at once.
	PerVM, PerUser int
	// DialTimeout bounds connecting and authenticating to the VM's VNC server.
	DialTimeout time.Duration
	// Now is the clock (tests move it to expire tickets).
	Now func() time.Time
	// Locate finds a running VM's VNC server; nil asks the VM's node through the
	// fleet. It returns hypervisor errors (ErrUnavailable, ErrInvalidState …).
	Locate func(ctx context.Context, vm store.VM) (hypervisor.VNCAddr, error)
}

func (c ConsoleConfig) withDefaults() ConsoleConfig {
	if c.TTL <= 0 {
		c.TTL = 60 * time.Second
	}
	if c.IdleLimit <= 0 {
		c.IdleLimit = 15 * time.Minute
	}
	if c.PerVM <= 0 {
		c.PerVM = 2
	}
	if c.PerUser <= 0 {
		c.PerUser = 5
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 10 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Consoles issues console tickets and opens the VNC side of consoles. Open
// consoles live in its registry, which closes them when their VM stops or is
// deleted, when they sit idle, and when what opened them ends (End).
type Consoles struct {
	db    *store.DB
	fleet *hypervisor.Fleet
	log   *slog.Logger
	cfg   ConsoleConfig
	*ConsoleRegistry
}

// NewConsoles builds the service and, with a fleet, listens to its lifecycle
// events so a console closes as soon as its VM stops.
func NewConsoles(db *store.DB, fleet *hypervisor.Fleet, log *slog.Logger, cfg ConsoleConfig) *Consoles {
	c := &Consoles{db: db, fleet: fleet, log: log, cfg: cfg.withDefaults()}
	c.ConsoleRegistry = newConsoleRegistry(c.cfg)
	if c.cfg.Locate == nil {
		c.cfg.Locate = c.locateOnNode
	}
	if fleet != nil {
		fleet.Subscribe(func(ev hypervisor.Event) { c.OnVMStatus(ev.UUID, ev.State) })
	}
	return c
}

// TTL is how long a fresh ticket stays valid.
func (c *Consoles) TTL() time.Duration { return c.cfg.TTL }

// OnVMStatus closes the VM's consoles when status means its screen is gone.
// The VM service calls it for changes it finds itself (the reconciler, a delete).
func (c *Consoles) OnVMStatus(uuid string, status vmstatus.Status) {
	switch status {
	case vmstatus.Stopped, vmstatus.Crashed, vmstatus.Destroyed, vmstatus.Failed:
		c.CloseVM(uuid, CloseVMStopped)
	}
}

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
	t := store.ConsoleTicket{Hash: hashTicket(secret), UserID: p.UserID, VMID: vm.ID, Via: p.Via(),
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

// Open uses a ticket: it claims it (once, atomically), connects to the VM's VNC
// server and authenticates there. The returned console is registered and must
// be closed by the caller; its Server is positioned for the viewer's ClientInit.
func (c *Consoles) Open(ctx context.Context, secret, ip string) (*Console, error) {
	t, err := c.db.ClaimConsoleTicket(ctx, hashTicket(secret), c.cfg.Now())
	if errors.Is(err, store.ErrNotFound) {
		return nil, TicketInvalid()
	}
	if err != nil {
		return nil, Internal(err)
	}
	// The ticket is checked against the VM as it is now: still the ticket
	// holder's, and still running.
	vm, err := c.db.VMForUser(ctx, t.UserID, t.VMUUID)
	if errors.Is(err, store.ErrNotFound) || err == nil && vm.ID != t.VMID {
		return nil, TicketInvalid()
	}
	if err != nil {
		return nil, Internal(err)
	}
	if vm.Status != vmstatus.Running {
		return nil, Conflict("console.not_running")
	}
	con, err := c.register(t.UserID, t.TokenID, t.SessionID, vm.UUID)
	if err != nil {
		return nil, err
	}
	if err := c.connect(ctx, con, vm); err != nil {
		con.Close(CloseNormal)
		return nil, err
	}
	p := Principal{UserID: t.UserID, IP: ip}
	if err := c.db.AddAudit(ctx, store.AuditEvent{UserID: p.UserID, Action: "vm.console", Severity: SeverityInfo,
		Via: t.Via, TargetType: "vm", TargetID: vm.UUID, IP: ip}); err != nil {
		c.log.Error("audit write failed", "action", "vm.console", "user", p.UserID, "err", err)
	}
	return con, nil
}

func (c *Consoles) connect(ctx context.Context, con *Console, vm store.VM) error {
	addr, err := c.locate(ctx, vm)
	if err != nil {
		return err
	}
	password := addr.Password
	if password == "" {
		password = vm.VNCPassword
	}
	d := net.Dialer{Timeout: c.cfg.DialTimeout}
	network, target := "tcp", net.JoinHostPort(addr.Host, strconv.Itoa(addr.Port))
	if addr.Socket != "" {
		network, target = "unix", addr.Socket
	}
	conn, err := d.DialContext(ctx, network, target)
	if err != nil {
		return Unavailable("console.unavailable", err)
	}
	conn.SetDeadline(time.Now().Add(c.cfg.DialTimeout))
	if err := rfb.ClientHandshake(conn, password); err != nil {
		conn.Close()
		return Unavailable("console.unavailable", err)
	}
	conn.SetDeadline(time.Time{})
	if !con.attach(conn) {
		return Conflict("console.closed")
	}
	return nil
}

// locate asks for the VNC address and maps the hypervisor's errors onto the
// contract's statuses.
func (c *Consoles) locate(ctx context.Context, vm store.VM) (hypervisor.VNCAddr, error) {
	addr, err := c.cfg.Locate(ctx, vm)
	switch {
	case err == nil:
		return addr, nil
	case errors.Is(err, hypervisor.ErrUnavailable):
		return addr, Unavailable("console.unavailable", err)
	case errors.Is(err, hypervisor.ErrInvalidState), errors.Is(err, hypervisor.ErrNotFound):
		return addr, Conflict("console.not_running")
	}
	var se *Error
	if errors.As(err, &se) {
		return addr, se
	}
	return addr, Unavailable("console.unavailable", err)
}

func (c *Consoles) locateOnNode(ctx context.Context, vm store.VM) (hypervisor.VNCAddr, error) {
	node, err := c.fleet.Node(vm.NodeID)
	if err != nil {
		return hypervisor.VNCAddr{}, err
	}
	return node.VNC(ctx, vm.UUID)
}
