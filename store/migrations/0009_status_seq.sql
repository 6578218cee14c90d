-- status_seq counts a VM's status changes. The reconciler compares it before it
-- writes what a node reported, so a slow pass never overwrites a newer status
-- that a lifecycle event recorded meanwhile (even one that went X -> Y -> X).
-- A trigger keeps the count for every writer, present and future.
ALTER TABLE vms ADD COLUMN status_seq INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER vms_status_seq AFTER UPDATE OF status ON vms
WHEN NEW.status IS NOT OLD.status
BEGIN
	UPDATE vms SET status_seq = OLD.status_seq + 1 WHERE id = NEW.id;
END;
