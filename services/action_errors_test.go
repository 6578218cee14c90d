package services

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"abrak/hypervisor"
)

// A node's own words never reach the customer: an action records the class of
// its failure, a message key; anything else recorded (rows from before, say)
// reads as the generic failure, not as the text it holds.
func TestActionErrorsAreClassesNotANodesWords(t *testing.T) {
	qemu := "unable to execute QEMU command 'cont': Resetting the Virtual Machine is required"
	for err, want := range map[error]string{
		fmt.Errorf("start: %w: %s", hypervisor.ErrInvalidState, qemu):             ActionErrInvalidState,
		fmt.Errorf("%w: node-1: no answer within 10s", hypervisor.ErrUnavailable): ActionErrUnavailable,
		fmt.Errorf("set password: %w", hypervisor.ErrNoAgent):                     ActionErrAgent,
		fmt.Errorf("resize: %w", context.DeadlineExceeded):                        ActionErrTimedOut,
		fmt.Errorf("start: %w", errInsufficientAtStart):                           ActionErrFunds,
		fmt.Errorf("hypervisor: %s", qemu):                                        ActionErrFailed,
	} {
		if got := actionError(err); got != want {
			t.Errorf("actionError(%v) = %s, want %s", err, got, want)
		}
	}
	for _, recorded := range []string{"failed: " + qemu, "interrupted by a restart of the panel", "action.error.made-up"} {
		if got := ActionErrorKey(recorded); got != ActionErrFailed || strings.Contains(got, "QEMU") {
			t.Errorf("ActionErrorKey(%q) = %q, want the generic failure", recorded, got)
		}
	}
	for _, k := range ActionErrors {
		if ActionErrorKey(k) != k {
			t.Errorf("ActionErrorKey(%s) changed it", k)
		}
	}
}
