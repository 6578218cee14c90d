package services

import (
	"context"

	"abrak/hypervisor"
)

// GuestAgent is how the panel reaches a running guest's agent: through the
// VM's node in the panel; tests put a double in its place to play a guest
// whose agent is late (still booting) or silent.
type GuestAgent interface {
	SetPassword(ctx context.Context, node *hypervisor.Node, id, user, password string) error
	SetHostname(ctx context.Context, node *hypervisor.Node, id, hostname string) error
	Answers(ctx context.Context, node *hypervisor.Node, id string) bool
}

// nodeAgent is the agent as the node reaches it.
type nodeAgent struct{}

func (nodeAgent) SetPassword(ctx context.Context, n *hypervisor.Node, id, user, password string) error {
	return n.SetPassword(ctx, id, user, password)
}

func (nodeAgent) SetHostname(ctx context.Context, n *hypervisor.Node, id, hostname string) error {
	return n.SetHostname(ctx, id, hostname)
}

func (nodeAgent) Answers(ctx context.Context, n *hypervisor.Node, id string) bool {
	return n.AgentAnswers(ctx, id)
}

// agentOf is the agent operations use: the node's unless a test set another.
func (s *vmCore) agentOf() GuestAgent {
	if a := s.agent.Load(); a != nil {
		return *a
	}
	return nodeAgent{}
}
