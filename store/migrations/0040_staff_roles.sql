-- The operator's staff (issue 29): 'admin' may do everything on the
-- operator's side, 'support' reads everything and acts on customers' VMs and
-- wallets; '' is a customer. is_admin stays, kept equal to staff_role =
-- 'admin' by the one writer (SetStaffRole), so tokens and older code that
-- read it keep their meaning.
ALTER TABLE users ADD COLUMN staff_role TEXT NOT NULL DEFAULT '' CHECK (staff_role IN ('', 'admin', 'support'));
UPDATE users SET staff_role = 'admin' WHERE is_admin = 1;
CREATE INDEX users_staff ON users(staff_role) WHERE staff_role <> '';
