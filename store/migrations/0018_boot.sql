-- ISO images sit beside disk templates (kind 'iso'): imported, checksummed and put
-- on every node the same way; customers boot a VM from one, its disk attached.
ALTER TABLE os_templates ADD COLUMN kind TEXT NOT NULL DEFAULT 'disk' CHECK (kind IN ('disk', 'iso'));

-- What a VM boots from besides its own disk: an ISO (by slug), or the rescue
-- system, whose one-time root password is kept only as its crypt hash.
ALTER TABLE vms ADD COLUMN boot_iso TEXT NOT NULL DEFAULT '';
ALTER TABLE vms ADD COLUMN rescue_crypt TEXT NOT NULL DEFAULT '';
