-- abrak:foreign-keys-off
-- A VM can be "crashed" (QEMU stopped it on an internal error or a guest panic).
-- The status list leaves the table's CHECK for triggers, so that a status added
-- later is a trigger replaced, not a table rebuilt; the vocabulary package
-- (vmstatus) is the list, and store/vmstatus_test.go holds these triggers to it.
-- SQLite cannot change a CHECK in place: this is its documented table rebuild,
-- run with foreign keys off (orders, actions and console tickets point here).
CREATE TABLE vms_new (
    id               INTEGER PRIMARY KEY,
    uuid             TEXT    NOT NULL UNIQUE,
    user_id          INTEGER NOT NULL REFERENCES users(id),
    display_name     TEXT    NOT NULL,
    hostname         TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    plan_slug        TEXT    NOT NULL REFERENCES plans(slug),
    os_template_slug TEXT    NOT NULL REFERENCES os_templates(slug),
    region           TEXT    NOT NULL REFERENCES regions(slug),
    node_id          INTEGER REFERENCES nodes(id),
    -- Unique among live VMs only: a destroyed VM gives its address back.
    public_ip        TEXT,
    vcpus            INTEGER NOT NULL,
    memory_mb        INTEGER NOT NULL,
    disk_gb          INTEGER NOT NULL,
    vnc_password     TEXT    NOT NULL,
    -- SHA-512 crypt of the root password for the seed; the clear text is never stored.
    root_password_crypt TEXT NOT NULL DEFAULT '',
    ssh_keys         TEXT    NOT NULL DEFAULT '',
    locked           INTEGER NOT NULL DEFAULT 0,
    node_unavailable INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    destroyed_at     INTEGER,
    paid_until       INTEGER NOT NULL DEFAULT 0,
    status_seq       INTEGER NOT NULL DEFAULT 0
);
INSERT INTO vms_new (id, uuid, user_id, display_name, hostname, status, plan_slug, os_template_slug, region, node_id,
    public_ip, vcpus, memory_mb, disk_gb, vnc_password, root_password_crypt, ssh_keys, locked, node_unavailable,
    created_at, updated_at, destroyed_at, paid_until, status_seq)
SELECT id, uuid, user_id, display_name, hostname, status, plan_slug, os_template_slug, region, node_id,
    public_ip, vcpus, memory_mb, disk_gb, vnc_password, root_password_crypt, ssh_keys, locked, node_unavailable,
    created_at, updated_at, destroyed_at, paid_until, status_seq
FROM vms;
DROP TABLE vms;
ALTER TABLE vms_new RENAME TO vms;

CREATE INDEX vms_user ON vms(user_id, id);
CREATE INDEX vms_node ON vms(node_id);
CREATE UNIQUE INDEX vms_live_ip ON vms(public_ip) WHERE status <> 'destroyed';
-- Spelled as store.DueHours asks (vmstatus.Billed, in its order), so the planner uses it.
CREATE INDEX vms_billing ON vms(paid_until) WHERE status IN ('running', 'stopped', 'paused', 'suspended', 'crashed');

CREATE TRIGGER vms_status_seq AFTER UPDATE OF status ON vms
WHEN NEW.status IS NOT OLD.status
BEGIN
	UPDATE vms SET status_seq = OLD.status_seq + 1 WHERE id = NEW.id;
END;

CREATE TRIGGER vms_status_valid_insert BEFORE INSERT ON vms
WHEN NEW.status NOT IN ('creating', 'running', 'stopped', 'paused', 'suspended', 'crashed', 'failed', 'destroyed')
BEGIN
	SELECT RAISE(ABORT, 'vms.status: not a VM status');
END;
CREATE TRIGGER vms_status_valid_update BEFORE UPDATE OF status ON vms
WHEN NEW.status NOT IN ('creating', 'running', 'stopped', 'paused', 'suspended', 'crashed', 'failed', 'destroyed')
BEGIN
	SELECT RAISE(ABORT, 'vms.status: not a VM status');
END;

-- The accelerator of each node: the operator's choice (auto lets a probe guest
-- decide at every connect), and what the panel last decided, why, and when; with
-- the node's connection state as the panel last saw it, for `abrak admin nodes`.
ALTER TABLE nodes ADD COLUMN virt_type TEXT NOT NULL DEFAULT 'auto' CHECK (virt_type IN ('auto', 'kvm', 'qemu'));
ALTER TABLE nodes ADD COLUMN virt_chosen TEXT NOT NULL DEFAULT '';
ALTER TABLE nodes ADD COLUMN virt_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE nodes ADD COLUMN conn_state TEXT NOT NULL DEFAULT '';
ALTER TABLE nodes ADD COLUMN seen_at INTEGER NOT NULL DEFAULT 0;
