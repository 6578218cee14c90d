-- The provider's brand as set from the settings page (issue 29): one row per
-- field, absent when never set (the ABRAK_BRAND_* setting or the default then
-- applies). Images are kept here, with their type, so a replica carries them.
CREATE TABLE brand_settings (
    name       TEXT    PRIMARY KEY,
    value      BLOB    NOT NULL,
    updated_at INTEGER NOT NULL
);
