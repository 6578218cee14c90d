package vmstatus

// Order is where the order that pays for a VM stands.
type Order string

const (
	// OrderPending: paid, waiting for a hypervisor (or for its next try).
	OrderPending Order = "paid_pending_provision"
	// OrderProvisioning: a worker is building it, or watching its first boot.
	OrderProvisioning Order = "provisioning"
	OrderProvisioned  Order = "provisioned"
	OrderFailed       Order = "failed"
	// OrderRefunded: given up (or cancelled) and the charge returned.
	OrderRefunded Order = "refunded"
)

// GivenUp reports an order that will never produce a VM.
func (o Order) GivenUp() bool { return o == OrderFailed || o == OrderRefunded }
