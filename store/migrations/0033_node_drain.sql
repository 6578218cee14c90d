-- Moving VMs between nodes (issue 32). Where a node takes live migrations in
-- (tcp://HOST or unix:///DIR, empty: only cold moves reach it) and the URI
-- another node's libvirtd dials it at (empty: its own URI).
ALTER TABLE nodes ADD COLUMN migration_address TEXT NOT NULL DEFAULT '';
ALTER TABLE nodes ADD COLUMN peer_uri TEXT NOT NULL DEFAULT '';
-- A draining node takes no new VM. drain_asked counts the operator's requests
-- to empty it (abrak admin drain-node), drain_done is the last one a panel
-- went through: the panel empties a node while asked > done.
ALTER TABLE nodes ADD COLUMN draining INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN drain_asked INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN drain_done INTEGER NOT NULL DEFAULT 0;

-- One move of a VM from a node to another, or one that could not begin (no
-- target: to_node_id NULL, no action). A move in progress is 'moving'; one
-- whose end no node could tell (or that a restart cut short) 'unsettled'
-- until both nodes answer. rest_node_id is a node holding a copy the move
-- could not remove (the source after a move, the target after a failure),
-- until the panel removes it.
CREATE TABLE vm_moves (
    id           INTEGER PRIMARY KEY,
    vm_id        INTEGER NOT NULL REFERENCES vms(id),
    action_id    INTEGER REFERENCES actions(id),
    from_node_id INTEGER NOT NULL REFERENCES nodes(id),
    to_node_id   INTEGER REFERENCES nodes(id),
    status       TEXT    NOT NULL CHECK (status IN ('moving', 'moved', 'failed', 'unsettled')),
    was_running  INTEGER NOT NULL DEFAULT 0,
    mode         TEXT    NOT NULL DEFAULT '',
    cold_reason  TEXT    NOT NULL DEFAULT '',
    downtime_ms  INTEGER NOT NULL DEFAULT 0,
    took_ms      INTEGER NOT NULL DEFAULT 0,
    error        TEXT    NOT NULL DEFAULT '',
    rest_node_id INTEGER REFERENCES nodes(id),
    started_at   INTEGER NOT NULL,
    ended_at     INTEGER
);
CREATE INDEX vm_moves_from ON vm_moves(from_node_id, id);
CREATE INDEX vm_moves_open ON vm_moves(id) WHERE status IN ('moving', 'unsettled') OR rest_node_id IS NOT NULL;
