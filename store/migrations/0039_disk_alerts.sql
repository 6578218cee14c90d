-- Alerts gain the disk kind (issue 31): the guest's file systems above N %.
-- A CHECK cannot be altered in SQLite, so the table is made again.
CREATE TABLE vm_alerts_new (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id),
    vm_id       INTEGER NOT NULL REFERENCES vms(id),
    kind        TEXT    NOT NULL CHECK (kind IN ('cpu', 'memory', 'disk', 'traffic', 'stopped')),
    threshold   INTEGER NOT NULL DEFAULT 0,
    minutes     INTEGER NOT NULL DEFAULT 0,
    firing      INTEGER NOT NULL DEFAULT 0,
    fired_at    INTEGER,
    resolved_at INTEGER,
    created_at  INTEGER NOT NULL
);
INSERT INTO vm_alerts_new SELECT id, user_id, vm_id, kind, threshold, minutes, firing, fired_at, resolved_at, created_at FROM vm_alerts;
DROP TABLE vm_alerts;
ALTER TABLE vm_alerts_new RENAME TO vm_alerts;
CREATE INDEX vm_alerts_vm ON vm_alerts(vm_id);
CREATE INDEX vm_alerts_user ON vm_alerts(user_id, id);
