-- A region the operator disabled (issue 29, the catalog pages) is offered to
-- no new order; the VMs already there stay and keep working.
ALTER TABLE regions ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
