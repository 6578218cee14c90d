-- A customer's list pages (and their count) read the status beside each id,
-- so the index holds it: paging deep into 10,000 VMs steps through the index
-- alone instead of looking every skipped row up in the table.
DROP INDEX IF EXISTS vms_user;
CREATE INDEX vms_user ON vms(user_id, id, status);

-- A listed VM's live addresses come from the index alone (family and pool
-- beside the VM), not from a look into the table for each address.
CREATE INDEX addresses_vm_live ON addresses(vm_id, family, pool_id) WHERE released_at IS NULL;
