-- changes counts, per customer, every write to what the customer's lists and
-- pages show (VMs, their orders, actions, addresses, traffic, events, the
-- account itself); row 0 counts writes to the catalog every customer sees. A
-- GET answers "nothing changed" (304, or a cached encoding) by comparing the
-- two counters, so they are kept by triggers: every writer, present and
-- future, moves them, and no code path can forget to.
CREATE TABLE changes (
    user_id INTEGER PRIMARY KEY,
    seq     INTEGER NOT NULL
);

CREATE TRIGGER changes_vms_insert AFTER INSERT ON vms BEGIN
	INSERT INTO changes (user_id, seq) VALUES (NEW.user_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_vms_update AFTER UPDATE ON vms BEGIN
	INSERT INTO changes (user_id, seq) VALUES (NEW.user_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_vms_delete AFTER DELETE ON vms BEGIN
	INSERT INTO changes (user_id, seq) VALUES (OLD.user_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_users_update AFTER UPDATE ON users BEGIN
	INSERT INTO changes (user_id, seq) VALUES (NEW.id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_orders_insert AFTER INSERT ON orders BEGIN
	INSERT INTO changes (user_id, seq) VALUES (NEW.user_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_orders_update AFTER UPDATE ON orders BEGIN
	INSERT INTO changes (user_id, seq) VALUES (NEW.user_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_actions_insert AFTER INSERT ON actions BEGIN
	INSERT INTO changes (user_id, seq) VALUES (NEW.user_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_actions_update AFTER UPDATE ON actions BEGIN
	INSERT INTO changes (user_id, seq) VALUES (NEW.user_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_audit_insert AFTER INSERT ON audit_events WHEN NEW.user_id IS NOT NULL BEGIN
	INSERT INTO changes (user_id, seq) VALUES (NEW.user_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_addresses_insert AFTER INSERT ON addresses BEGIN
	INSERT INTO changes (user_id, seq) SELECT user_id, 1 FROM vms WHERE id = NEW.vm_id ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_addresses_update AFTER UPDATE ON addresses BEGIN
	INSERT INTO changes (user_id, seq) SELECT user_id, 1 FROM vms WHERE id = NEW.vm_id ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_traffic_insert AFTER INSERT ON traffic BEGIN
	INSERT INTO changes (user_id, seq) SELECT user_id, 1 FROM vms WHERE id = NEW.vm_id ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_traffic_update AFTER UPDATE ON traffic WHEN NEW.rx_bytes IS NOT OLD.rx_bytes OR NEW.tx_bytes IS NOT OLD.tx_bytes BEGIN
	INSERT INTO changes (user_id, seq) SELECT user_id, 1 FROM vms WHERE id = NEW.vm_id ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_plans_insert AFTER INSERT ON plans BEGIN
	INSERT INTO changes (user_id, seq) VALUES (0, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_plans_update AFTER UPDATE ON plans BEGIN
	INSERT INTO changes (user_id, seq) VALUES (0, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_plans_delete AFTER DELETE ON plans BEGIN
	INSERT INTO changes (user_id, seq) VALUES (0, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_os_templates_insert AFTER INSERT ON os_templates BEGIN
	INSERT INTO changes (user_id, seq) VALUES (0, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_os_templates_update AFTER UPDATE ON os_templates BEGIN
	INSERT INTO changes (user_id, seq) VALUES (0, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_os_templates_delete AFTER DELETE ON os_templates BEGIN
	INSERT INTO changes (user_id, seq) VALUES (0, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_regions_insert AFTER INSERT ON regions BEGIN
	INSERT INTO changes (user_id, seq) VALUES (0, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_regions_update AFTER UPDATE ON regions BEGIN
	INSERT INTO changes (user_id, seq) VALUES (0, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_regions_delete AFTER DELETE ON regions BEGIN
	INSERT INTO changes (user_id, seq) VALUES (0, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_address_pools_insert AFTER INSERT ON address_pools BEGIN
	INSERT INTO changes (user_id, seq) VALUES (0, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_address_pools_update AFTER UPDATE ON address_pools BEGIN
	INSERT INTO changes (user_id, seq) VALUES (0, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_address_pools_delete AFTER DELETE ON address_pools BEGIN
	INSERT INTO changes (user_id, seq) VALUES (0, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
-- A token's owner's counter also moves when the token is revoked, changes or
-- goes, so a token checked at one counter value is known unchanged while the
-- counter stays (services.Tokens keeps checked tokens on that condition). Its
-- last use, written once a minute, is not a change.
CREATE TRIGGER changes_api_tokens_update AFTER UPDATE OF user_id, name, scopes, expires_at, revoked_at, hash ON api_tokens BEGIN
	INSERT INTO changes (user_id, seq) VALUES (NEW.user_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
CREATE TRIGGER changes_api_tokens_delete AFTER DELETE ON api_tokens BEGIN
	INSERT INTO changes (user_id, seq) VALUES (OLD.user_id, 1) ON CONFLICT (user_id) DO UPDATE SET seq = seq + 1;
END;
