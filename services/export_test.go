package services

// UseGuestAgent puts a double in place of the guest agent the node reaches,
// for the external tests.
func (s *VMs) UseGuestAgent(a GuestAgent) { s.agent.Store(&a) }
