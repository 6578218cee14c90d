-- Traffic as customers read it (issue 26). A plan's monthly traffic allowance
-- in GB (0: unlimited), and each VM's traffic per Jalali month in Tehran
-- ("1405-09"), kept beside the calendar months in UTC of traffic: Persian
-- customers count their month as their statements do. No change triggers:
-- only the VM's own page reads it, never a cached list.
ALTER TABLE plans ADD COLUMN traffic_gb INTEGER NOT NULL DEFAULT 0;

CREATE TABLE traffic_jalali (
    vm_id    INTEGER NOT NULL REFERENCES vms(id),
    month    TEXT    NOT NULL, -- YYYY-MM, Jalali
    rx_bytes INTEGER NOT NULL DEFAULT 0,
    tx_bytes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (vm_id, month)
) WITHOUT ROWID;
