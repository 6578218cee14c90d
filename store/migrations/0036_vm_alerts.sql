-- A customer's alert on one of their VMs (issue 31): a kind, its threshold
-- (percent for cpu and memory, GB for traffic) and, for cpu, the minutes it
-- must hold. firing marks an episode in progress: a letter was sent when it
-- began and another goes when it ends, none in between.
CREATE TABLE vm_alerts (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    vm_id       INTEGER NOT NULL REFERENCES vms(id),
    kind        TEXT    NOT NULL CHECK (kind IN ('cpu', 'memory', 'traffic', 'stopped')),
    threshold   INTEGER NOT NULL DEFAULT 0,
    minutes     INTEGER NOT NULL DEFAULT 0,
    firing      INTEGER NOT NULL DEFAULT 0,
    fired_at    INTEGER,
    resolved_at INTEGER,
    created_at  INTEGER NOT NULL
);
CREATE INDEX vm_alerts_vm ON vm_alerts(vm_id);
CREATE INDEX vm_alerts_user ON vm_alerts(user_id, id);
