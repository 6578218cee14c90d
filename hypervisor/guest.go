package hypervisor

import (
	"context"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
	"libvirt.org/go/libvirtxml"
)

// SetPassword sets a guest user's password through the guest agent. ErrInvalidState
// when the domain is not running, ErrNoAgent when no agent answers.
func (n *Node) SetPassword(ctx context.Context, id, user, password string) error {
	err := n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		active, err := domainIsActive(lv, dom)
		if err != nil {
			return err
		}
		if !active {
			return fmt.Errorf("%w: the VM is not running", ErrInvalidState)
		}
		err = lv.DomainSetUserPassword(dom, libvirt.OptString{user}, libvirt.OptString{password}, 0)
		if isCode(err, libvirt.ErrAgentUnresponsive, libvirt.ErrAgentUnsynced, libvirt.ErrOperationInvalid,
			libvirt.ErrArgumentUnsupported, libvirt.ErrOperationUnsupported, libvirt.ErrNoSupport,
			libvirt.ErrOperationTimeout) {
			return fmt.Errorf("%w: %w", ErrNoAgent, err)
		}
		return err
	})
	return wrapf(err, "set password on %s", id)
}

// AgentAnswers reports whether the guest's agent answers a ping: the guest's
// operating system has booted far enough to start it. Timeout -1 is libvirt's
// "wait for the agent's default", which returns at once when none is connected.
func (n *Node) AgentAnswers(ctx context.Context, id string) bool {
	err := n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		_, err := lv.QEMUDomainAgentCommand(dom, `{"execute":"guest-ping"}`, -1, 0)
		return err
	})
	return err == nil
}

// VNCAddr is where a running domain's console listens.
type VNCAddr struct {
	// Socket, when set, is the UNIX socket the console listens on instead of Host:Port.
	Socket   string
	Host     string
	Port     int
	Password string
}

// VNC returns the console address of a running domain (ErrInvalidState otherwise),
// read from its live definition since the port is chosen at start.
func (n *Node) VNC(ctx context.Context, id string) (VNCAddr, error) {
	var addr VNCAddr
	err := n.onDomain(ctx, id, func(lv *libvirt.Libvirt, dom libvirt.Domain) error {
		active, err := domainIsActive(lv, dom)
		if err != nil {
			return err
		}
		if !active {
			return fmt.Errorf("%w: the VM is not running", ErrInvalidState)
		}
		doc, err := lv.DomainGetXMLDesc(dom, libvirt.DomainXMLSecure)
		if err != nil {
			return err
		}
		var d libvirtxml.Domain
		if err := d.Unmarshal(doc); err != nil {
			return err
		}
		if d.Devices != nil {
			for _, g := range d.Devices.Graphics {
				if g.VNC == nil {
					continue
				}
				if s := vncSocketOf(g.VNC); s != "" {
					addr = VNCAddr{Socket: s, Password: g.VNC.Passwd}
					return nil
				}
				if g.VNC.Port > 0 {
					addr = VNCAddr{Host: n.Config().VNCHost, Port: g.VNC.Port, Password: g.VNC.Passwd}
					return nil
				}
			}
		}
		return fmt.Errorf("%w: the VM has no VNC console", ErrInvalidState)
	})
	return addr, wrapf(err, "VNC of %s", id)
}

func vncSocketOf(g *libvirtxml.DomainGraphicVNC) string {
	if g.Socket != "" {
		return g.Socket
	}
	for _, l := range g.Listeners {
		if l.Socket != nil && l.Socket.Socket != "" {
			return l.Socket.Socket
		}
	}
	return ""
}
