-- Why a top-up failed is kept as a reason the panel words in the customer's
-- language (not_paid, amount_differs, unknown_payment, merchant, busy,
-- unreachable); message keeps a gateway's own words on a refusal, shown only
-- when there is no reason. pay_url is the page the customer pays on, handed
-- out again to the same request while it is pending.
ALTER TABLE topups ADD COLUMN reason  TEXT NOT NULL DEFAULT '';
ALTER TABLE topups ADD COLUMN pay_url TEXT NOT NULL DEFAULT '';

-- Earlier failures kept transport errors and up to 200 bytes of a gateway's
-- raw body ("zarinpal request.json: …"), a cancellation as "cancelled", and a
-- refusal as "gateway code N: words".
UPDATE topups SET reason = 'unreachable', message = '' WHERE message LIKE 'zarinpal %';
UPDATE topups SET reason = 'not_paid', message = '' WHERE message = 'cancelled';
UPDATE topups SET message = substr(message, instr(message, ': ') + 2) WHERE message LIKE 'gateway code %: %';
