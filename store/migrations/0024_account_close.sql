-- A customer may close an account that has no VM and no money left: its
-- address, name and secrets are wiped (the address can sign up again) while the
-- ledger and the activity log stay, as a provider's books must.
ALTER TABLE users ADD COLUMN closed_at INTEGER;
