-- unpaid_since marks a VM whose wallet could not pay an hour that came due: the
-- biller powered it off (or found it off) and its hours no longer accrue. Only
-- a start that pays the next hour (store.ResumeBilling) clears it, so paid_until
-- never moves without a ledger row, and a top-up never pays for the hours the
-- wallet was empty.
ALTER TABLE vms ADD COLUMN unpaid_since INTEGER;
