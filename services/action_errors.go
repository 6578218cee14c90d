package services

import (
	"context"
	"errors"

	"abrak/hypervisor"
	"abrak/store"
)

// Why an action failed, as the customer reads it: message keys, translated when
// shown. A node's own words (libvirt's, QEMU's) go to the operator's log with
// the action and the VM, never to the customer.
const (
	ActionErrUnavailable  = "action.error.node_unavailable"
	ActionErrNotFound     = "action.error.not_found"
	ActionErrInvalidState = "action.error.invalid_state"
	ActionErrConflict     = "action.error.conflict"
	ActionErrTimedOut     = "action.error.timed_out"
	ActionErrFailed       = "action.error.failed"
	ActionErrAgent        = "action.error.agent"
	ActionErrFunds        = "action.error.insufficient_balance"
	ActionErrInterrupted  = "action.error.interrupted"
	// ActionErrMigrateFailed: a move for maintenance did not go through; the
	// VM stayed where it was, as it was, and the customer has nothing to do.
	ActionErrMigrateFailed = "action.error.migrate_failed"
	ActionErrBuildFailed   = store.ActionBuildFailed
)

// ActionErrors lists them all; an error recorded before they existed reads as ActionErrFailed.
var ActionErrors = []string{ActionErrUnavailable, ActionErrNotFound, ActionErrInvalidState, ActionErrConflict,
	ActionErrTimedOut, ActionErrFailed, ActionErrAgent, ActionErrFunds, ActionErrInterrupted, ActionErrBuildFailed,
	store.ActionCancelled, ActionErrMigrateFailed}

// actionError is the class of err for the customer.
func actionError(err error) string {
	switch {
	case errors.Is(err, errInsufficientAtStart):
		return ActionErrFunds
	case errors.Is(err, hypervisor.ErrUnavailable):
		return ActionErrUnavailable
	case errors.Is(err, hypervisor.ErrNotFound):
		return ActionErrNotFound
	case errors.Is(err, hypervisor.ErrInvalidState):
		return ActionErrInvalidState
	case errors.Is(err, hypervisor.ErrConflict):
		return ActionErrConflict
	case errors.Is(err, hypervisor.ErrNoAgent):
		return ActionErrAgent
	case errors.Is(err, context.DeadlineExceeded):
		return ActionErrTimedOut
	}
	return ActionErrFailed
}

// ActionErrorKey is the message key to show for an action's recorded error.
func ActionErrorKey(recorded string) string {
	for _, k := range ActionErrors {
		if k == recorded {
			return k
		}
	}
	return ActionErrFailed
}
