package services

import (
	"context"
	"errors"
	"net"
	"strconv"
	"time"

	"abrak/console/rfb"
	"abrak/hypervisor"
	"abrak/store"
	"abrak/vmstatus"
)

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
	con, err := c.register(t.UserID, t.PersonID, t.TokenID, t.SessionID, vm.UUID)
	if err != nil {
		return nil, err
	}
	if err := c.connect(ctx, con, vm); err != nil {
		con.Close(CloseNormal)
		return nil, err
	}
	p := Principal{UserID: t.UserID, IP: ip}
	if err := c.db.AddAudit(ctx, store.AuditEvent{UserID: p.UserID, ActorID: t.PersonID, Action: "vm.console", Severity: SeverityInfo,
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
