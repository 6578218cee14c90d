-- What each VM used, as rates over each interval (never counters), written by
-- the usage sampler every 30 s and rolled up by it: step 30 kept 24 h, step 300
-- kept 14 days, steps 3600 and 86400 kept 13 months. Keyed by time before VM: a pass's
-- rows land together at the end of the table instead of on a page of each
-- VM's (a few pages written a pass, not one per VM), retention deletes from
-- the front, and a VM's points are read by one key lookup per slot.
-- No foreign key: VMs are never deleted, and a point outlives nothing but its
-- retention.
CREATE TABLE metric_samples (
    step       INTEGER NOT NULL,   -- seconds: 30, 300, 3600 or 86400
    at         INTEGER NOT NULL,   -- unix second the slot starts at, a multiple of step
    vm_id      INTEGER NOT NULL,
    samples    INTEGER NOT NULL,   -- 30-second samples averaged into the row
    cpu        INTEGER NOT NULL,   -- hundredths of a percent of the VM's vCPUs
    memory     INTEGER NOT NULL,   -- bytes used
    disk_read  INTEGER NOT NULL,   -- bytes/s
    disk_write INTEGER NOT NULL,   -- bytes/s
    disk_reads  INTEGER NOT NULL,  -- hundredths of a request/s
    disk_writes INTEGER NOT NULL,  -- hundredths of a request/s
    net_in     INTEGER NOT NULL,   -- bytes/s the VM received
    net_out    INTEGER NOT NULL,   -- bytes/s the VM sent
    net_in_packets  INTEGER NOT NULL, -- hundredths of a packet/s
    net_out_packets INTEGER NOT NULL, -- hundredths of a packet/s
    PRIMARY KEY (step, at, vm_id)
) WITHOUT ROWID;

-- How far each rollup has gone: every slot of step before done_until is made.
CREATE TABLE metric_rollups (
    step       INTEGER PRIMARY KEY,
    done_until INTEGER NOT NULL
);
