-- How an action ended when there was more than one way (issue 30, seed 002's
-- wait_for): a shutdown's "acpi" (the guest stopped when asked) or "forced"
-- (it had not stopped within the wait and was powered off). '' for the rest.
ALTER TABLE actions ADD COLUMN result TEXT NOT NULL DEFAULT '';
