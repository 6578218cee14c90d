-- The operator's lock on a VM (issue 29, point 4; seed 001's `locked`): while
-- admin_lock_reason is set, the customer changes nothing of the VM (423
-- locked, with the reason). Not vms.locked, which is the operation lock held
-- while one operation runs (409 vm.locked).
ALTER TABLE vms ADD COLUMN admin_lock_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE vms ADD COLUMN admin_locked_at INTEGER;
ALTER TABLE vms ADD COLUMN admin_locked_by INTEGER REFERENCES users(id);
