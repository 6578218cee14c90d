package services

import (
	"context"
	"errors"
	"strings"

	"abrak/store"
)

// Actions lists a VM's actions.
func (s *VMs) Actions(ctx context.Context, p Principal, uuid string, limit, offset int) ([]Action, int, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return nil, 0, err
	}
	vm, err := s.own(ctx, p, uuid)
	if err != nil {
		return nil, 0, err
	}
	if err := checkPage(limit, offset); err != nil {
		return nil, 0, err
	}
	acts, total, err := s.db.ActionsForVM(ctx, vm.ID, limit, offset)
	if err != nil {
		return nil, 0, Internal(err)
	}
	return convert(acts, actionOf), total, nil
}

// Action returns one of the principal's actions; an admin (with the admin
// scope, on a token) reads any, so an operator can follow the move of a
// customer's VM they started (the action is the customer's).
func (s *VMs) Action(ctx context.Context, p Principal, id int64) (Action, error) {
	var a store.Action
	var err error
	if p.RequireAdmin() == nil {
		a, err = s.db.ActionByID(ctx, id)
	} else {
		if err := p.Require(ScopeVMRead); err != nil {
			return Action{}, err
		}
		a, err = s.db.ActionForUser(ctx, p.UserID, id)
	}
	if errors.Is(err, store.ErrNotFound) {
		return Action{}, NotFound()
	}
	if err != nil {
		return Action{}, Internal(err)
	}
	return actionOf(a), nil
}

// ActionListInput filters the principal's actions across their VMs.
type ActionListInput struct {
	Status, Type  string
	Limit, Offset int
}

// ListActions is one page of the principal's actions across their VMs,
// newest first. Type is an operation's name; seed 003's name for a power
// operation (power_off, power_on, power_cycle) finds it too.
func (s *VMs) ListActions(ctx context.Context, p Principal, in ActionListInput) ([]Action, int, error) {
	if err := p.Require(ScopeVMRead); err != nil {
		return nil, 0, err
	}
	switch in.Status {
	case "", store.ActionInProgress, store.ActionCompleted, store.ActionErrored:
	default:
		return nil, 0, Invalid(map[string]string{"status": "api.action_status_invalid"})
	}
	if err := checkPage(in.Limit, in.Offset); err != nil {
		return nil, 0, err
	}
	typ := strings.TrimSpace(in.Type)
	if a, ok := powerTypes[typ]; ok {
		typ = string(a)
	}
	acts, total, err := s.db.ActionsForUser(ctx, store.ActionFilter{UserID: p.UserID, Status: in.Status, Type: typ, Limit: in.Limit, Offset: in.Offset})
	if err != nil {
		return nil, 0, Internal(err)
	}
	return convert(acts, actionOf), total, nil
}
