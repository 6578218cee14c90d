package hypervisor

import (
	"errors"
	"fmt"

	libvirt "github.com/digitalocean/go-libvirt"
)

// The errors services act on. Every error this package returns wraps one of them or is
// an unexpected failure (for instance a broken template); test with errors.Is.
var (
	ErrNotFound     = errors.New("hypervisor: not found")
	ErrUnavailable  = errors.New("hypervisor: node unavailable")
	ErrInvalidState = errors.New("hypervisor: invalid state for this operation")
	ErrConflict     = errors.New("hypervisor: conflict")
	// ErrNoAgent means the guest runs no QEMU guest agent that answers; the node
	// itself is fine.
	ErrNoAgent = errors.New("hypervisor: guest agent does not answer")
)

// classify maps a libvirt error code onto the small set above, keeping libvirt's
// message for the logs.
func classify(err error) error {
	if err == nil {
		return nil
	}
	for _, known := range []error{ErrNotFound, ErrUnavailable, ErrInvalidState, ErrConflict, ErrNoAgent} {
		if errors.Is(err, known) {
			return err
		}
	}
	var lerr libvirt.Error
	if !errors.As(err, &lerr) {
		return err
	}
	switch libvirt.ErrorNumber(lerr.Code) {
	case libvirt.ErrNoDomain, libvirt.ErrNoStorageVol, libvirt.ErrNoStoragePool,
		libvirt.ErrNoDomainSnapshot, libvirt.ErrNoNetwork:
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	case libvirt.ErrOperationInvalid, libvirt.ErrNoSupport, libvirt.ErrOperationUnsupported,
		libvirt.ErrArgumentUnsupported:
		return fmt.Errorf("%w: %w", ErrInvalidState, err)
	case libvirt.ErrDomExist, libvirt.ErrStorageVolExist, libvirt.ErrStoragePoolBuilt,
		libvirt.ErrOperationDenied:
		return fmt.Errorf("%w: %w", ErrConflict, err)
	case libvirt.ErrAgentUnresponsive, libvirt.ErrAgentUnsynced:
		return fmt.Errorf("%w: %w", ErrNoAgent, err)
	case libvirt.ErrNoConnect, libvirt.ErrInvalidConn, libvirt.ErrRPC, libvirt.ErrOperationTimeout:
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return fmt.Errorf("hypervisor: %w", err)
}

// isCode reports whether err is a libvirt error with one of the codes.
func isCode(err error, codes ...libvirt.ErrorNumber) bool {
	var lerr libvirt.Error
	if !errors.As(err, &lerr) {
		return false
	}
	for _, c := range codes {
		if libvirt.ErrorNumber(lerr.Code) == c {
			return true
		}
	}
	return false
}
