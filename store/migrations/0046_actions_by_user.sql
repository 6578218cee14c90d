-- GET /api/v1/actions (issue 30, seed 003) lists one customer's actions across
-- their VMs, newest first, filtered by type or status: without these it read
-- the whole table (only actions_vm and the in-progress partial index existed).
CREATE INDEX actions_user ON actions(user_id, id);
CREATE INDEX actions_user_type ON actions(user_id, type, id);
CREATE INDEX actions_user_status ON actions(user_id, status, id);
