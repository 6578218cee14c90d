package services

import (
	"context"
	"errors"

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
