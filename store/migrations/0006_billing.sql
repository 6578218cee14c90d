-- Live VMs are billed by the hour: the order pays the first hour, the biller
-- each following one. paid_until is when the paid time runs out.
ALTER TABLE vms ADD COLUMN paid_until INTEGER NOT NULL DEFAULT 0;
UPDATE vms SET paid_until = created_at + 3600;
CREATE INDEX vms_billing ON vms(paid_until) WHERE status NOT IN ('destroyed', 'failed');
