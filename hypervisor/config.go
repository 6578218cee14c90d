package hypervisor

import "time"

// NodeConfig describes one libvirt host as the panel records it.
type NodeConfig struct {
	ID     int64
	Name   string
	Region string
	// URI is a libvirt connection URI; see the package documentation for the forms.
	URI string
	// VNCHost is the address VNC servers listen on and clients reach them at.
	// Default 127.0.0.1.
	VNCHost string
	// Pool is the storage pool that holds templates, root disks and seeds. Default "abrak".
	Pool string
	// PoolPath is the folder of the pool when this package has to create it.
	// Default /var/lib/libvirt/images/<Pool>.
	PoolPath string
	// Capacity offered to customers.
	VCPUs, MemoryMB, DiskGB int
	// VirtType is the operator's choice of accelerator; empty means VirtAuto.
	VirtType VirtMode
	// Bridge is the bridge guests join, on the host's public network; empty gives
	// them user-mode networking (no address anyone can reach).
	Bridge string
	// VNCSocketDir, for a node on this host, holds the guests' VNC servers as UNIX
	// sockets, which the panel reaches even when the node's network is a namespace
	// of its own; empty puts them on TCP at VNCHost.
	VNCSocketDir string
	// MigrationAddress is where this node takes guests that migrate in live:
	// "tcp://HOST" on a network the region's nodes reach each other on (QEMU listens
	// there on ports of libvirt's migration range, one for the memory and one for the
	// disks), or "unix:///DIR" for nodes of one machine that share DIR. Empty: guests
	// come to this node by cold moves only.
	MigrationAddress string
	// PeerURI is how another node's libvirtd reaches this one's to hand a guest over
	// (peer-to-peer migration). Default URI, which must then work from the other node too.
	PeerURI string
}

func (c NodeConfig) withDefaults() NodeConfig {
	if c.VNCHost == "" {
		c.VNCHost = "127.0.0.1"
	}
	if c.Pool == "" {
		c.Pool = "abrak"
	}
	if c.PoolPath == "" {
		c.PoolPath = "/var/lib/libvirt/images/" + c.Pool
	}
	if c.VirtType == "" {
		c.VirtType = VirtAuto
	}
	if c.PeerURI == "" {
		c.PeerURI = c.URI
	}
	return c
}

// Options tune how a Fleet talks to its nodes.
type Options struct {
	// CallTimeout bounds every libvirt call. Default 10 s.
	CallTimeout time.Duration
	// ShutdownTimeout is how long Shutdown waits for the guest before it pulls the
	// plug when the caller gives no deadline. Default 60 s.
	ShutdownTimeout time.Duration
	// ReconnectInterval is the first wait before reconnecting to a lost node; it
	// doubles up to MaxReconnectInterval. Defaults 500 ms and 15 s.
	ReconnectInterval    time.Duration
	MaxReconnectInterval time.Duration
	// CopyTimeout bounds calls that copy volume data. Default 5 min.
	CopyTimeout time.Duration
	// StallTimeout ends a volume's transfer (a backup leaving its node, an
	// image arriving) in which no byte moved for that long. Default 2 min.
	StallTimeout time.Duration
	// ProbeTimeout bounds the accelerator probe's guest (see accel.go): past it the
	// probe counts as failed. Default 15 s; a working KVM finishes in well under one.
	ProbeTimeout time.Duration
	// ProbeDisk replaces the probe's boot sector (probe/probe.bin). Only tests set
	// it: a sector that powers off at once passes where kvm faults later, which is
	// how they meet a kvm that a probe misses.
	ProbeDisk []byte
}

func (o Options) withDefaults() Options {
	if o.CallTimeout <= 0 {
		o.CallTimeout = 10 * time.Second
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 60 * time.Second
	}
	if o.ProbeTimeout <= 0 {
		o.ProbeTimeout = 15 * time.Second
	}
	if o.CopyTimeout <= 0 {
		o.CopyTimeout = 5 * time.Minute
	}
	if o.StallTimeout <= 0 {
		o.StallTimeout = 2 * time.Minute
	}
	if o.ReconnectInterval <= 0 {
		o.ReconnectInterval = 500 * time.Millisecond
	}
	if o.MaxReconnectInterval < o.ReconnectInterval {
		o.MaxReconnectInterval = max(15*time.Second, o.ReconnectInterval)
	}
	return o
}

// copyTimeout bounds calls that move volume data (clone, upload, download,
// snapshots with guest memory), which take longer than ordinary calls.
func (o Options) copyTimeout() time.Duration { return max(o.CallTimeout, o.CopyTimeout) }
