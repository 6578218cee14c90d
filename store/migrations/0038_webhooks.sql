-- A team account's webhook endpoints (issue 31) and the queue of their
-- deliveries. events is the event types wanted, each between spaces
-- (' vm.created alert.fired '), so a match is one instr(). secret signs each
-- delivery (HMAC-SHA256): a signing key, not a password, so it is kept as is.
-- failing_since is the first failure since the last success: an endpoint
-- failing for days is disabled.
CREATE TABLE webhook_endpoints (
    id            INTEGER PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users(id),
    url           TEXT    NOT NULL,
    events        TEXT    NOT NULL,
    secret        TEXT    NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1,
    failing_since INTEGER,
    disabled_at   INTEGER,
    created_at    INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_user ON webhook_endpoints(user_id, id);

-- One delivery of one event to one endpoint. vm_id orders a VM's deliveries
-- (0: an event of no VM, in no order). status: pending until delivered or
-- given up (failed). Enqueueing is one INSERT ... SELECT over the account's
-- endpoints; the worker reads the pending ones by next_try.
CREATE TABLE webhook_deliveries (
    id            INTEGER PRIMARY KEY,
    endpoint_id   INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_id      TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    vm_id         INTEGER NOT NULL DEFAULT 0,
    body          TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts      INTEGER NOT NULL DEFAULT 0,
    next_try      INTEGER NOT NULL,
    status_code   INTEGER NOT NULL DEFAULT 0,
    duration_ms   INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT    NOT NULL DEFAULT '',
    last_try_at   INTEGER,
    created_at    INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_try) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_chain ON webhook_deliveries(endpoint_id, vm_id, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries(endpoint_id, id);

-- The events of a VM's record are enqueued where the record changes, in the
-- same transaction, whichever code path changed it: its status (and with it
-- vm.created when the build ends, vm.deleted when it is deleted) and the end
-- of each action. With no endpoint wanting the event the SELECT finds nothing.
CREATE TRIGGER webhooks_vm_status AFTER UPDATE OF status ON vms
WHEN OLD.status <> NEW.status AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE user_id = NEW.user_id AND enabled = 1)
BEGIN
    INSERT INTO webhook_deliveries (endpoint_id, event_id, type, vm_id, body, next_try, created_at)
    SELECT e.id, ev.id, ev.type, NEW.id,
        json_object('id', ev.id, 'type', ev.type, 'timestamp', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
            'data', json_object('uuid', NEW.uuid, 'name', CASE WHEN NEW.display_name <> '' THEN NEW.display_name ELSE NEW.hostname END,
                'hostname', NEW.hostname, 'status', NEW.status, 'previous_status', OLD.status,
                'public_ip', NEW.public_ip, 'vcpus', NEW.vcpus, 'memory_mb', NEW.memory_mb, 'disk_gb', NEW.disk_gb, 'region', NEW.region)),
        unixepoch(), unixepoch()
    FROM webhook_endpoints e,
        (SELECT 'evt_' || lower(hex(randomblob(12))) AS id, t.type, t.n FROM (
            SELECT 'vm.status_changed' AS type, 1 AS n
            UNION ALL SELECT 'vm.created', 2 WHERE OLD.status = 'creating' AND NEW.status NOT IN ('failed', 'destroyed', 'deleted')
            UNION ALL SELECT 'vm.deleted', 3 WHERE NEW.status = 'deleted' OR (NEW.status = 'destroyed' AND OLD.status <> 'deleted')
        ) t) ev
    WHERE e.user_id = NEW.user_id AND e.enabled = 1 AND instr(e.events, ' ' || ev.type || ' ') > 0
    ORDER BY e.id, ev.n;
END;

CREATE TRIGGER webhooks_action_end AFTER UPDATE OF status ON actions
WHEN OLD.status = 'in-progress' AND NEW.status <> 'in-progress'
    AND EXISTS (SELECT 1 FROM webhook_endpoints WHERE user_id = NEW.user_id AND enabled = 1)
BEGIN
    INSERT INTO webhook_deliveries (endpoint_id, event_id, type, vm_id, body, next_try, created_at)
    SELECT e.id, ev.id, ev.type, coalesce(NEW.vm_id, 0),
        json_object('id', ev.id, 'type', ev.type, 'timestamp', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
            'data', json_object('id', NEW.id, 'type', NEW.type, 'status', NEW.status,
                'started_at', strftime('%Y-%m-%dT%H:%M:%SZ', NEW.started_at, 'unixepoch'),
                'completed_at', CASE WHEN NEW.completed_at IS NULL THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%SZ', NEW.completed_at, 'unixepoch') END,
                'resource_type', 'vm', 'resource_id', coalesce((SELECT uuid FROM vms WHERE id = NEW.vm_id), ''),
                'error', CASE WHEN NEW.error = '' THEN NULL ELSE NEW.error END, 'progress', NEW.progress)),
        unixepoch(), unixepoch()
    FROM webhook_endpoints e,
        (SELECT 'evt_' || lower(hex(randomblob(12))) AS id,
            CASE WHEN NEW.status = 'completed' THEN 'action.completed' ELSE 'action.errored' END AS type) ev
    WHERE e.user_id = NEW.user_id AND e.enabled = 1 AND instr(e.events, ' ' || ev.type || ' ') > 0
    ORDER BY e.id;
END;
