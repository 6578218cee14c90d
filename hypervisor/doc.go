// Package hypervisor drives the fleet of libvirt hosts (nodes) behind the panel over
// github.com/digitalocean/go-libvirt: placement, domain lifecycle, volumes, cloud-init
// seeds, snapshots, backups, moves between nodes, console addresses and lifecycle events.
//
// A node's URI is a plain libvirt connection URI, as virsh takes it:
//
//	qemu+unix:///system?socket=/abs/path/libvirt-sock   a local daemon on a private socket
//	test+unix:///default?socket=/abs/path/libvirt-sock  libvirt's test driver on that daemon
//	qemu:///system                                      the machine's own daemon (/var/run/libvirt/libvirt-sock)
//	qemu+tcp://host[:16509]/system                      a remote host, plain TCP
//	qemu+tls://host[:16514]/system?pkipath=/dir         a remote host, TLS with client certificates
//
// The part before "+" names the driver the daemon opens; the part after it the transport.
//
// The package knows nothing of HTTP or SQLite: services keep the records, this package
// keeps every node connected, bounds every call with a deadline, and reports errors as
// one of ErrNotFound, ErrUnavailable, ErrInvalidState or ErrConflict.
package hypervisor
