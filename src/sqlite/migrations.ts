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
];
