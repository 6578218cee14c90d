-- Reachable VMs. A region's public addresses come from its pools: IPv4 ranges
-- (first..last of a network, with its gateway and resolvers) and IPv6 prefixes.
CREATE TABLE address_pools (
    id         INTEGER PRIMARY KEY,
    region     TEXT    NOT NULL REFERENCES regions(slug),
    family     INTEGER NOT NULL CHECK (family IN (4, 6)),
    network    TEXT    NOT NULL,            -- CIDR: 198.51.100.0/24, 2001:db8:ab::/64
    gateway    TEXT    NOT NULL DEFAULT '',
    first_addr TEXT    NOT NULL DEFAULT '', -- IPv4: the range handed out; IPv6: unused
    last_addr  TEXT    NOT NULL DEFAULT '',
    resolvers  TEXT    NOT NULL DEFAULT '', -- comma-separated
    created_at INTEGER NOT NULL,
    UNIQUE (region, network)
);

-- Every address ever handed to a VM. Live while released_at is NULL; a released
-- address rests in quarantine before it is handed out again, so a stale DNS record
-- never points at a new customer's VM. The unique index makes a duplicate
-- impossible, concurrent orders included.
CREATE TABLE addresses (
    id          INTEGER PRIMARY KEY,
    pool_id     INTEGER NOT NULL REFERENCES address_pools(id),
    family      INTEGER NOT NULL,
    address     TEXT    NOT NULL,
    vm_id       INTEGER NOT NULL REFERENCES vms(id),
    assigned_at INTEGER NOT NULL,
    released_at INTEGER
);
CREATE UNIQUE INDEX addresses_live ON addresses(address) WHERE released_at IS NULL;
CREATE INDEX addresses_pool ON addresses(pool_id, released_at);
CREATE INDEX addresses_vm ON addresses(vm_id);

-- A VM that is gone, or whose order was given up, gives its addresses back.
CREATE TRIGGER vms_release_addresses AFTER UPDATE OF status ON vms
WHEN NEW.status IN ('destroyed', 'failed') AND OLD.status NOT IN ('destroyed', 'failed')
BEGIN
	UPDATE addresses SET released_at = unixepoch() WHERE vm_id = NEW.id AND released_at IS NULL;
END;

-- The addresses table keeps uniqueness now, and a failed VM keeps its address in
-- its history while the address itself goes back to the pool.
DROP INDEX vms_live_ip;

-- A VM's IPv6 address beside its IPv4 (public_ip), and its MAC, kept across
-- rebuilds and resizes; the nwfilter and the seed both name it.
ALTER TABLE vms ADD COLUMN public_ipv6 TEXT;
ALTER TABLE vms ADD COLUMN mac TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX vms_live_mac ON vms(mac) WHERE mac <> '' AND status NOT IN ('destroyed', 'failed');

-- Each region's network becomes its first IPv4 pool, and the addresses of live
-- VMs are recorded in it.
INSERT INTO address_pools (region, family, network, gateway, created_at)
SELECT slug, 4, ip_network, gateway, unixepoch() FROM regions WHERE ip_network <> '';
INSERT INTO addresses (pool_id, family, address, vm_id, assigned_at)
SELECT p.id, 4, v.public_ip, v.id, v.created_at FROM vms v JOIN address_pools p ON p.region = v.region AND p.family = 4
WHERE v.public_ip IS NOT NULL AND v.status NOT IN ('destroyed', 'failed');

-- The bridge a node's guests join (empty: user-mode networking, for nodes that
-- give guests no public network), and where a local node's VNC sockets live
-- (empty: VNC on TCP at vnc_host).
ALTER TABLE nodes ADD COLUMN bridge TEXT NOT NULL DEFAULT '';
ALTER TABLE nodes ADD COLUMN vnc_socket_dir TEXT NOT NULL DEFAULT '';

-- Traffic per VM per calendar month (UTC), and the interface counters last seen,
-- which start again from zero when the domain restarts.
CREATE TABLE traffic (
    vm_id    INTEGER NOT NULL REFERENCES vms(id),
    month    TEXT    NOT NULL, -- YYYY-MM
    rx_bytes INTEGER NOT NULL DEFAULT 0,
    tx_bytes INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (vm_id, month)
);
CREATE TABLE traffic_counters (
    vm_id     INTEGER PRIMARY KEY REFERENCES vms(id),
    domain_id INTEGER NOT NULL, -- libvirt's id of the running domain: a new one means new counters
    rx_bytes  INTEGER NOT NULL,
    tx_bytes  INTEGER NOT NULL,
    seen_at   INTEGER NOT NULL
);
