-- A node's maintenance (issue 29, Nodes page): while on, no new VM is placed
-- there (as while draining), but the VMs it holds stay, and their owners see
-- a notice with the reason's end time. maintenance_until 0: no end announced.
ALTER TABLE nodes ADD COLUMN maintenance INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN maintenance_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN maintenance_reason TEXT NOT NULL DEFAULT '';
