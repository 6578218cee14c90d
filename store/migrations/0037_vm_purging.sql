-- A purge (a delete that skips the recycle bin) is recorded before the node is
-- asked to destroy anything: the VM reads deleted and bills nothing from that
-- moment, and the recycle bin's next pass finishes a purge that a restart or a
-- node away cut short, whatever the bin's grace.
ALTER TABLE vms ADD COLUMN purging INTEGER NOT NULL DEFAULT 0;
