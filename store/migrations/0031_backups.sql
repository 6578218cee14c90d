-- Backups, off the VM's node: each region's stores, declared by the operator
-- (abrak admin add-backup-store), are a directory on the panel's host (storage
-- the operator mounts there) or another node's libvirt storage pool.
CREATE TABLE backup_stores (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    region     TEXT    NOT NULL REFERENCES regions(slug),
    kind       TEXT    NOT NULL CHECK (kind IN ('dir', 'pool')),
    path       TEXT    NOT NULL DEFAULT '',
    node_id    INTEGER REFERENCES nodes(id),
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    CHECK (kind = 'dir' AND path <> '' AND node_id IS NULL OR kind = 'pool' AND node_id IS NOT NULL)
);
CREATE INDEX backup_stores_region ON backup_stores(region);

-- One backup of a VM's disk. Only a completed one is listed as usable; an
-- in-progress one becomes completed or errored, and a deleted one keeps its
-- row (the file is gone) so its action and the activity log still read well.
CREATE TABLE backups (
    id           INTEGER PRIMARY KEY,
    vm_id        INTEGER NOT NULL REFERENCES vms(id),
    store_id     INTEGER NOT NULL REFERENCES backup_stores(id),
    kind         TEXT    NOT NULL CHECK (kind IN ('scheduled', 'manual', 'final')),
    status       TEXT    NOT NULL CHECK (status IN ('in-progress', 'completed', 'errored', 'deleted')),
    consistency  TEXT    NOT NULL DEFAULT '',
    file         TEXT    NOT NULL,
    size         INTEGER NOT NULL DEFAULT 0,
    capacity     INTEGER NOT NULL DEFAULT 0,
    sha256       TEXT    NOT NULL DEFAULT '',
    action_id    INTEGER REFERENCES actions(id),
    error        TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    completed_at INTEGER
);
CREATE INDEX backups_vm ON backups(vm_id, id);
CREATE INDEX backups_status ON backups(status, created_at);

-- The customer's switch, and its hourly price as shown when it was turned on
-- (a share of the plan's price, made again when the plan changes): what the
-- customer agreed to is what is charged, whatever the operator sets later.
ALTER TABLE vms ADD COLUMN backups_enabled INTEGER NOT NULL DEFAULT 0;
ALTER TABLE vms ADD COLUMN backup_price_rials INTEGER NOT NULL DEFAULT 0;
-- An action's progress, in percent, for the long ones (backups, restores).
ALTER TABLE actions ADD COLUMN progress INTEGER NOT NULL DEFAULT 0;
-- The recycle bin: when a VM was deleted into it (status 'deleted'); it is
-- destroyed for real after the grace period unless restored.
ALTER TABLE vms ADD COLUMN deleted_at INTEGER;
-- A VM ordered from a backup is built from that backup's disk.
ALTER TABLE orders ADD COLUMN from_backup_id INTEGER REFERENCES backups(id);

CREATE TRIGGER changes_backups_insert AFTER INSERT ON backups BEGIN
	INSERT INTO changes (user_id, seq) SELECT user_id, 1 FROM vms WHERE id = NEW.vm_id ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_backups_update AFTER UPDATE ON backups BEGIN
	INSERT INTO changes (user_id, seq) SELECT user_id, 1 FROM vms WHERE id = NEW.vm_id ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;

-- 'deleted' joins the statuses (see 0011: the list lives in these triggers).
DROP TRIGGER vms_status_valid_insert;
DROP TRIGGER vms_status_valid_update;
CREATE TRIGGER vms_status_valid_insert BEFORE INSERT ON vms
WHEN NEW.status NOT IN ('creating', 'running', 'stopped', 'paused', 'suspended', 'crashed', 'failed', 'deleted', 'destroyed')
BEGIN
	SELECT RAISE(ABORT, 'vms.status: not a VM status');
END;
CREATE TRIGGER vms_status_valid_update BEFORE UPDATE OF status ON vms
WHEN NEW.status NOT IN ('creating', 'running', 'stopped', 'paused', 'suspended', 'crashed', 'failed', 'deleted', 'destroyed')
BEGIN
	SELECT RAISE(ABORT, 'vms.status: not a VM status');
END;
