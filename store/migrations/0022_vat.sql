-- VAT on top-ups: the customer pays amount_rials + vat_rials at the gateway, and
-- the wallet is credited amount_rials. Earlier top-ups carried none.
ALTER TABLE topups ADD COLUMN vat_rials INTEGER NOT NULL DEFAULT 0 CHECK (vat_rials >= 0);
