-- Operator-imported OS images. A template imported from a file keeps its checksum,
-- format and size, and the panel's own copy of the file (under the template folder),
-- from which nodes added later get it; features say what its guest applies from the
-- seed (password, ssh_key, user_data), which the order form and the API check.
-- Templates from before (the tiny one of seed-demo) have no file: their volume is
-- expected on every node, as before.
ALTER TABLE os_templates ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE os_templates ADD COLUMN format TEXT NOT NULL DEFAULT 'qcow2';
ALTER TABLE os_templates ADD COLUMN size_bytes INTEGER NOT NULL DEFAULT 0;
ALTER TABLE os_templates ADD COLUMN file TEXT NOT NULL DEFAULT '';
ALTER TABLE os_templates ADD COLUMN features TEXT NOT NULL DEFAULT 'password,ssh_key';

-- Where each node holds each file-backed template. A VM is cloned only from a
-- volume in state 'ready', which is set after the upload was read back and its
-- checksum matched; anything else is deleted and uploaded again.
CREATE TABLE template_volumes (
    template_slug TEXT    NOT NULL REFERENCES os_templates(slug),
    node_id       INTEGER NOT NULL REFERENCES nodes(id),
    volume        TEXT    NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('uploading', 'ready', 'failed')),
    error         TEXT    NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    updated_at    INTEGER NOT NULL,
    PRIMARY KEY (template_slug, node_id)
);
