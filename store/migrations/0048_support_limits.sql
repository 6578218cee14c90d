-- What support may move in customers' wallets, set by an admin on the
-- settings page (issue 29): one row, absent until first set (the defaults in
-- services.DefaultSupportLimits then apply). Toman, as the operator types
-- them; 0 forbids support to move money. The index counts a support
-- person's day of credits and debits.
CREATE TABLE support_limits (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    per_act_toman INTEGER NOT NULL CHECK (per_act_toman >= 0),
    per_day_toman INTEGER NOT NULL CHECK (per_day_toman >= 0),
    updated_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    updated_at    INTEGER NOT NULL
);
CREATE INDEX staff_credits_actor ON staff_credits(actor_id, created_at);
