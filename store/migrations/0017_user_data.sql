-- A customer's user_data waits here until the VM's first build is done or given
-- up, then is deleted: the node's seed is the only copy a running VM needs, and
-- the panel keeps no script or configuration a customer may have put secrets in.
CREATE TABLE order_user_data (
    vm_id INTEGER PRIMARY KEY REFERENCES vms(id),
    data  TEXT    NOT NULL
);

CREATE TRIGGER orders_forget_user_data AFTER UPDATE OF status ON orders
WHEN NEW.status IN ('provisioned', 'refunded')
BEGIN
	DELETE FROM order_user_data WHERE vm_id = NEW.vm_id;
END;
