-- Only actions in progress are looked up (the dashboard's refresh), so the index holds only those.
CREATE INDEX actions_open ON actions(user_id, vm_id) WHERE status = 'in-progress';
