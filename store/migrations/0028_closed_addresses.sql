-- A closed account's address was closed-<id>@closed.invalid, which sign-up
-- accepted: anyone signing up as it made closing account <id> fail. It is now
-- closed:<id>, which no sign-up can produce (there is no "@").
UPDATE users SET email = 'closed:' || id WHERE closed_at IS NOT NULL;
