package services

import (
	"context"
	"log/slog"
	"time"

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
