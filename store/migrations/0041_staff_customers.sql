-- What the operator's staff do to a customer's account (issue 29, point 3).
-- staff_credits: one row per credit or debit form sent, keyed by the form's
-- own key, so a double submit moves money once.
CREATE TABLE staff_credits (
    key          TEXT    PRIMARY KEY,
    user_id      INTEGER NOT NULL REFERENCES users(id),
    amount_rials INTEGER NOT NULL,
    actor_id     INTEGER REFERENCES users(id),
    created_at   INTEGER NOT NULL
);
-- An account suspended by the operator (not the VMs' suspension for want of
-- money, vms.suspended_at): it signs in read-only, its VMs are powered off,
-- its tokens are refused.
ALTER TABLE users ADD COLUMN account_suspended_at INTEGER;
ALTER TABLE users ADD COLUMN account_suspended_reason TEXT NOT NULL DEFAULT '';
