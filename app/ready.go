package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"abrak/hypervisor"
)

// fleetReady says whether any node answers, naming those that do not; with no
// node configured the panel still serves every page, and readyz says so.
func fleetReady(f *hypervisor.Fleet) func(context.Context) error {
	return func(context.Context) error {
		st := f.Status()
		if len(st) == 0 {
			return errors.New("no hypervisor node configured (abrak admin add-node or seed-demo)")
		}
		var down []string
		for _, n := range st {
			if !n.Up {
				down = append(down, fmt.Sprintf("%s: %s", n.Name, n.Err))
			}
		}
		if len(down) == len(st) {
			return fmt.Errorf("no node answers: %s", strings.Join(down, "; "))
		}
		return nil
	}
}
