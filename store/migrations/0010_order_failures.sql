-- failures counts the provisioning attempts that failed for a reason other than
-- an unavailable hypervisor. Only these are bounded (VMConfig.MaxAttempts):
-- an order that waited out a long outage still gets its full share of retries
-- when the node returns. attempts keeps counting every try, for the customer.
ALTER TABLE orders ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
