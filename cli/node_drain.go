package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"abrak/store"
	"abrak/vmstatus"
)

// drainPoll is how often drain-node reads the moves back.
const drainPoll = time.Second

// adminDrainNode asks the running panel to empty a node (no new VM goes there;
// its VMs move to other nodes of its region, one at a time) and prints each
// VM's outcome as the panel records it, until the panel has gone through
// them all. The panel does the moves: it alone hears the nodes' events, which
// a move must keep quiet. --undrain lets the node take VMs again.
func adminDrainNode(ctx context.Context, args []string, out io.Writer) error {
	cmd := newCommand("admin drain-node")
	name := cmd.String("name", "", "node name (required)")
	undrain := cmd.Bool("undrain", false, "let the node take new VMs again; a drain under way stops before its next VM")
	wait := cmd.Duration("wait", 2*time.Hour, "how long to follow the drain; the panel goes on after")
	db, err := cmd.open(ctx, args, func() error {
		if *name == "" {
			return errors.New("drain-node: --name is required")
		}
		return nil
	})
	if err != nil {
		return err
	}
	defer db.Close()
	if *undrain {
		if err := db.Undrain(ctx, *name); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("drain-node: no node %q", *name)
		} else if err != nil {
			return err
		}
		fmt.Fprintf(out, "node %s: takes new VMs again\n", *name)
		return nil
	}
	n, last, err := db.AskDrain(ctx, *name)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("drain-node: no node %q", *name)
	} else if err != nil {
		return err
	}
	vms, err := db.VMsOnNode(ctx, n.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "node %s: draining, no new VM goes there; the running panel moves its %d VMs to other nodes of %s, one at a time\n",
		n.Name, len(movable(vms)), n.Region)
	return followDrain(ctx, db, n, last, *wait, out)
}

// followDrain prints the drain's moves as they end, until the panel has gone
// through the request (or wait passes), then what the node still holds; an
// error when a VM could not move.
func followDrain(ctx context.Context, db *store.DB, n store.Node, lastMove int64, wait time.Duration, out io.Writer) error {
	deadline := time.Now().Add(wait)
	printed := map[int64]bool{}
	warned, failed := false, 0
	for {
		moves, err := db.MovesFrom(ctx, n.ID, lastMove)
		if err != nil {
			return err
		}
		for _, m := range moves {
			if m.Status == store.MoveMoving || printed[m.ID] {
				continue
			}
			printed[m.ID] = true
			if m.Status != store.MoveMoved {
				failed++
			}
			fmt.Fprintln(out, moveLine(m))
		}
		cur, err := db.NodeByName(ctx, n.Name)
		if err != nil {
			return err
		}
		if !cur.Draining {
			fmt.Fprintf(out, "node %s was undrained meanwhile: the drain stopped\n", n.Name)
			return nil
		}
		if cur.DrainDone >= n.DrainAsked {
			break
		}
		if !warned && time.Since(cur.SeenAt) > 2*time.Minute {
			warned = true
			fmt.Fprintf(out, "no panel has looked at the node for %s: is `abrak serve` running? The drain begins when it runs\n",
				time.Since(cur.SeenAt).Round(time.Second))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("drain-node: not done within --wait %s; the panel goes on, and `abrak admin drain-node` again follows it", wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(drainPoll):
		}
	}
	vms, err := db.VMsOnNode(ctx, n.ID)
	if err != nil {
		return err
	}
	left := movable(vms)
	if len(left) == 0 {
		fmt.Fprintf(out, "node %s holds no VM: it can be taken down (it stays draining until `abrak admin drain-node --name %s --undrain`)\n",
			n.Name, n.Name)
		return nil
	}
	names := make([]string, 0, len(left))
	for _, vm := range left {
		names = append(names, vm.UUID)
	}
	fmt.Fprintf(out, "node %s still holds %d VMs: %s\n", n.Name, len(left), strings.Join(names, " "))
	if failed > 0 {
		return fmt.Errorf("drain-node: %d VMs did not move; they run where they were. Run drain-node again to retry", failed)
	}
	return nil
}

// movable are the VMs recorded on a node that have something on it to move.
func movable(vms []store.VM) []store.VM {
	var out []store.VM
	for _, vm := range vms {
		if vm.Status == vmstatus.Failed && vm.OrderStatus != vmstatus.OrderProvisioned {
			continue
		}
		out = append(out, vm)
	}
	return out
}

// moveLine is one VM's outcome for the operator.
func moveLine(m store.Move) string {
	vm := m.VMUUID
	if m.VMName != "" {
		vm += " (" + m.VMName + ")"
	}
	switch m.Status {
	case store.MoveMoved:
		mode := m.Mode
		if m.ColdReason != "" {
			mode += " (" + m.ColdReason + ")"
		}
		return fmt.Sprintf("moved     %s to %s: %s, downtime %s, took %s", vm, m.ToNode, mode, m.Downtime, m.Took)
	case store.MoveUnsettled:
		return fmt.Sprintf("UNSETTLED %s: the move broke off where no node could tell where the VM is; it stays locked until both %s and %s answer: %s",
			vm, m.FromNode, m.ToNode, m.Error)
	}
	if m.ToNode == "" {
		return fmt.Sprintf("FAILED    %s stays on %s: %s", vm, m.FromNode, m.Error)
	}
	return fmt.Sprintf("FAILED    %s stays on %s, as it was (the move to %s failed): %s", vm, m.FromNode, m.ToNode, m.Error)
}
