-- A VM held for want of funds longer than the grace period is suspended: the
-- customer cannot operate it (only delete it) until money comes into the wallet,
-- which lifts the suspension at once (store.AddToBalance).
ALTER TABLE vms ADD COLUMN suspended_at INTEGER;
