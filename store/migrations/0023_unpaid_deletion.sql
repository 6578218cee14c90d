-- Deleting long-unpaid VMs (an operator setting, off by default): the warning
-- sent before it, and the volume the final backup of the disk was kept in.
ALTER TABLE vms ADD COLUMN delete_warned_at INTEGER;
ALTER TABLE vms ADD COLUMN final_backup TEXT NOT NULL DEFAULT '';
