/** Versioned schema of the embedded database; applied in order, each once. */
export const MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE orders (
        order_id TEXT PRIMARY KEY,
        customer_id INTEGER NOT NULL,
        status TEXT NOT NULL,
        mode TEXT NOT NULL,
        items TEXT NOT NULL,
        total REAL NOT NULL,
        created_at TEXT NOT NULL,
        processed_at TEXT,
        processing_time_ms REAL,
        failure_reason TEXT
      );
      CREATE INDEX orders_status ON orders (status);

      CREATE TABLE idempotency_keys (
        key TEXT PRIMARY KEY,
        order_id TEXT NOT NULL,
        request_hash TEXT,
        created_at TEXT NOT NULL
      );

      CREATE TABLE notifications (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        order_id TEXT NOT NULL,
        recipient TEXT NOT NULL,
        subject TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        delivery TEXT NOT NULL,
        delivery_error TEXT
      );
      CREATE INDEX notifications_order ON notifications (order_id);

      CREATE TABLE bus_subscriptions (
        topic TEXT NOT NULL,
        queue TEXT NOT NULL,
        PRIMARY KEY (topic, queue)
      );

      CREATE TABLE bus_messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        queue TEXT NOT NULL,
        body TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        visible_at INTEGER NOT NULL,
        receive_count INTEGER NOT NULL DEFAULT 0,
        receipt TEXT,
        dead INTEGER NOT NULL DEFAULT 0,
        dead_reason TEXT,
        dead_at INTEGER
      );
      CREATE INDEX bus_messages_ready ON bus_messages (queue, dead, visible_at);

      -- The payment provider's ledger: append-only, one row per payment carried
      -- out. No unique key on purpose: a double charge must show up as two rows.
      CREATE TABLE payment_ledger (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        order_id TEXT NOT NULL,
        amount REAL NOT NULL,
        status TEXT NOT NULL,
        charge_id TEXT,
        reason TEXT,
        charged_at INTEGER NOT NULL
      );
      CREATE INDEX payment_ledger_order ON payment_ledger (order_id);
    `,
  },
  {
    version: 2,
    sql: `
      -- Transactional outbox, used when the bus is not in this file (SNS/SQS).
      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        topic TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        claimed_until INTEGER,
        sent_at INTEGER
      );
      CREATE INDEX outbox_unsent ON outbox (sent_at, id);
    `,
  },
  {
    version: 3,
    sql: `
      -- Counts kept by triggers, so /stats (read every second by the dashboard)
      -- costs the same with a million orders as with ten: COUNT(*) would scan.
      CREATE TABLE order_counts (status TEXT PRIMARY KEY, n INTEGER NOT NULL);
      INSERT INTO order_counts (status, n) SELECT status, COUNT(*) FROM orders GROUP BY status;
      CREATE TRIGGER order_counts_insert AFTER INSERT ON orders BEGIN
        INSERT OR IGNORE INTO order_counts (status, n) VALUES (NEW.status, 0);
        UPDATE order_counts SET n = n + 1 WHERE status = NEW.status;
      END;
      CREATE TRIGGER order_counts_update AFTER UPDATE OF status ON orders WHEN OLD.status <> NEW.status BEGIN
        UPDATE order_counts SET n = n - 1 WHERE status = OLD.status;
        INSERT OR IGNORE INTO order_counts (status, n) VALUES (NEW.status, 0);
        UPDATE order_counts SET n = n + 1 WHERE status = NEW.status;
      END;
      CREATE TRIGGER order_counts_delete AFTER DELETE ON orders BEGIN
        UPDATE order_counts SET n = n - 1 WHERE status = OLD.status;
      END;

      CREATE TABLE bus_counts (queue TEXT NOT NULL, dead INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (queue, dead));
      INSERT INTO bus_counts (queue, dead, n) SELECT queue, dead, COUNT(*) FROM bus_messages GROUP BY queue, dead;
      CREATE TRIGGER bus_counts_insert AFTER INSERT ON bus_messages BEGIN
        INSERT OR IGNORE INTO bus_counts (queue, dead, n) VALUES (NEW.queue, NEW.dead, 0);
        UPDATE bus_counts SET n = n + 1 WHERE queue = NEW.queue AND dead = NEW.dead;
      END;
      CREATE TRIGGER bus_counts_update AFTER UPDATE OF dead ON bus_messages WHEN OLD.dead <> NEW.dead BEGIN
        UPDATE bus_counts SET n = n - 1 WHERE queue = OLD.queue AND dead = OLD.dead;
        INSERT OR IGNORE INTO bus_counts (queue, dead, n) VALUES (NEW.queue, NEW.dead, 0);
        UPDATE bus_counts SET n = n + 1 WHERE queue = NEW.queue AND dead = NEW.dead;
      END;
      CREATE TRIGGER bus_counts_delete AFTER DELETE ON bus_messages BEGIN
        UPDATE bus_counts SET n = n - 1 WHERE queue = OLD.queue AND dead = OLD.dead;
      END;
    `,
  },
  {
    version: 4,
    sql: `
      -- Why a failed order failed, as a stable code beside the human reason.
      ALTER TABLE orders ADD COLUMN failure_code TEXT;
      -- The node paying a sync order inline; sync recovery settles it if that node dies.
      ALTER TABLE orders ADD COLUMN owner TEXT;
      -- Small on purpose: only sync orders being paid are in it.
      CREATE INDEX orders_sync_processing ON orders (owner) WHERE status = 'processing' AND mode = 'sync';

      -- Every flashsale process using this store, and when it last said it was alive (wall ms).
      CREATE TABLE nodes (
        node_id TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL
      );
    `,
  },
  {
    version: 5,
    sql: `
      -- New orders and messages are counted once per group-commit batch by the stores
      -- (BatchCounts), in the batch's transaction: a trigger cost two statements per row.
      -- Status changes, dead letters and deletes keep their triggers.
      DROP TRIGGER IF EXISTS order_counts_insert;
      DROP TRIGGER IF EXISTS bus_counts_insert;
      -- orders_status_age (status, created_at; version 6) serves every lookup by status:
      -- one index fewer to update for each order taken and each status change.
      DROP INDEX IF EXISTS orders_status;
    `,
  },
  {
    version: 6,
    sql: `
      -- Limited stock. The CHECKs are the invariant itself: a commit that would make
      -- initial ≠ available + reserved + sold, or any count negative, is refused.
      CREATE TABLE products (
        sku TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        price_cents INTEGER NOT NULL CHECK (price_cents >= 0),
        initial INTEGER NOT NULL CHECK (initial >= 0),
        available INTEGER NOT NULL CHECK (available >= 0),
        reserved INTEGER NOT NULL CHECK (reserved >= 0),
        sold INTEGER NOT NULL CHECK (sold >= 0),
        per_customer_limit INTEGER CHECK (per_customer_limit IS NULL OR per_customer_limit >= 1),
        starts_at TEXT,
        ends_at TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK (initial = available + reserved + sold)
      );
      -- Units of a sku a customer holds or bought (orders pending, processing or completed).
      CREATE TABLE customer_units (
        sku TEXT NOT NULL,
        customer_id INTEGER NOT NULL,
        units INTEGER NOT NULL CHECK (units >= 0),
        PRIMARY KEY (sku, customer_id)
      );
      -- The catalog lines an order reserved, as JSON [{"sku","quantity"}]; NULL when none.
      ALTER TABLE orders ADD COLUMN reservation TEXT;
      -- Orders still pending after the reservation timeout are found by age.
      CREATE INDEX orders_status_age ON orders (status, created_at);
    `,
  },
  {
    version: 7,
    sql: `
      -- Units sold by products since removed, by sku. Their completed orders stay, so the stock
      -- audit expects the orders' sold units of a sku = its product's sold + these.
      CREATE TABLE retired_units (
        sku TEXT PRIMARY KEY,
        sold INTEGER NOT NULL CHECK (sold >= 0)
      );
    `,
  },
];
