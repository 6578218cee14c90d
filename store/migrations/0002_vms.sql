-- The fleet (regions, nodes), what customers can order (plans, OS templates),
-- their VMs, the orders that pay for them and the actions run on them.
CREATE TABLE regions (
    slug       TEXT PRIMARY KEY,
    name_fa    TEXT NOT NULL,
    name_en    TEXT NOT NULL,
    -- Public addresses are handed out from this IPv4 network, one per VM.
    ip_network TEXT NOT NULL,
    gateway    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE nodes (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    region     TEXT    NOT NULL REFERENCES regions(slug),
    uri        TEXT    NOT NULL,
    vnc_host   TEXT    NOT NULL DEFAULT '',
    vcpus      INTEGER NOT NULL DEFAULT 0,
    memory_mb  INTEGER NOT NULL DEFAULT 0,
    disk_gb    INTEGER NOT NULL DEFAULT 0,
    enabled    INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL
);

CREATE TABLE plans (
    slug               TEXT PRIMARY KEY,
    name_fa            TEXT    NOT NULL,
    name_en            TEXT    NOT NULL,
    vcpus              INTEGER NOT NULL CHECK (vcpus > 0),
    memory_mb          INTEGER NOT NULL CHECK (memory_mb > 0),
    disk_gb            INTEGER NOT NULL CHECK (disk_gb > 0),
    price_hourly_rials INTEGER NOT NULL CHECK (price_hourly_rials >= 0),
    sort               INTEGER NOT NULL DEFAULT 0,
    active             INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE os_templates (
    slug        TEXT PRIMARY KEY,
    name        TEXT    NOT NULL,
    -- Base volume name in each node's storage pool (imported by seed-demo/admin).
    volume      TEXT    NOT NULL,
    kernel      TEXT    NOT NULL DEFAULT '',
    initrd      TEXT    NOT NULL DEFAULT '',
    cmdline     TEXT    NOT NULL DEFAULT '',
    min_disk_gb INTEGER NOT NULL DEFAULT 1,
    sort        INTEGER NOT NULL DEFAULT 0,
    active      INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE vms (
    id               INTEGER PRIMARY KEY,
    uuid             TEXT    NOT NULL UNIQUE,
    user_id          INTEGER NOT NULL REFERENCES users(id),
    display_name     TEXT    NOT NULL,
    hostname         TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('creating','running','stopped','paused','suspended','destroyed','failed')),
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
    destroyed_at     INTEGER
);
CREATE INDEX vms_user ON vms(user_id, id);
CREATE INDEX vms_node ON vms(node_id);
CREATE UNIQUE INDEX vms_live_ip ON vms(public_ip) WHERE status <> 'destroyed';

CREATE TABLE orders (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    vm_id           INTEGER NOT NULL UNIQUE REFERENCES vms(id),
    status          TEXT    NOT NULL CHECK (status IN ('paid_pending_provision','provisioning','provisioned','failed','refunded')),
    amount_rials    INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX orders_due ON orders(status, next_attempt_at);

CREATE TABLE actions (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    vm_id         INTEGER REFERENCES vms(id),
    type          TEXT    NOT NULL,
    status        TEXT    NOT NULL CHECK (status IN ('in-progress','completed','errored')),
    error         TEXT    NOT NULL DEFAULT '',
    started_at    INTEGER NOT NULL,
    completed_at  INTEGER
);
CREATE INDEX actions_vm ON actions(vm_id, id);

-- A repeated Idempotency-Key returns the first response and never runs twice.
CREATE TABLE idempotency_keys (
    user_id      INTEGER NOT NULL REFERENCES users(id),
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       INTEGER NOT NULL,
    location     TEXT    NOT NULL DEFAULT '',
    body         BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
);
