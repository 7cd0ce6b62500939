/** Versioned schema of the PostgreSQL store; applied in order, each once, under an advisory lock. */
export const PG_MIGRATIONS: ReadonlyArray<{ version: number; sql: string }> = [
  {
    version: 1,
    sql: `
      CREATE TABLE orders (
        order_id text PRIMARY KEY,
        customer_id integer NOT NULL,
        status text NOT NULL,
        mode text NOT NULL,
        -- json, not jsonb: items come back exactly as they were sent.
        items json NOT NULL,
        total numeric(14, 2) NOT NULL,
        created_at timestamptz NOT NULL,
        processed_at timestamptz,
        processing_time_ms double precision,
        failure_reason text
      );
      CREATE INDEX orders_status ON orders (status);

      CREATE TABLE idempotency_keys (
        key text PRIMARY KEY,
        order_id text NOT NULL,
        request_hash text,
        created_at timestamptz NOT NULL
      );

      CREATE TABLE notifications (
        id bigserial PRIMARY KEY,
        order_id text NOT NULL,
        recipient text NOT NULL,
        subject text NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivery text NOT NULL,
        delivery_error text
      );
      CREATE INDEX notifications_order ON notifications (order_id);

      -- Transactional outbox: written with the order, published by the relay.
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        topic text NOT NULL,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        claimed_until timestamptz,
        sent_at timestamptz
      );
      CREATE INDEX outbox_unsent ON outbox (id) WHERE sent_at IS NULL;

      -- The payment provider's ledger: append-only, no unique key on purpose,
      -- so a double charge shows up as two rows.
      CREATE TABLE payment_ledger (
        id bigserial PRIMARY KEY,
        order_id text NOT NULL,
        amount numeric(14, 2) NOT NULL,
        status text NOT NULL,
        charge_id text,
        reason text,
        charged_at bigint NOT NULL
      );
      CREATE INDEX payment_ledger_order ON payment_ledger (order_id);
    `,
  },
  {
    version: 2,
    sql: `
      -- Why a failed order failed, as a stable code beside the human reason.
      ALTER TABLE orders ADD COLUMN failure_code text;
      -- The node paying a sync order inline; sync recovery settles it if that node dies.
      ALTER TABLE orders ADD COLUMN owner text;
      -- Small on purpose: only sync orders being paid are in it.
      CREATE INDEX orders_sync_processing ON orders (owner) WHERE status = 'processing' AND mode = 'sync';

      -- Every flashsale process using this database, and when it last said it was alive (epoch ms).
      CREATE TABLE nodes (
        node_id text PRIMARY KEY,
        role text NOT NULL,
        started_at bigint NOT NULL,
        heartbeat_at bigint NOT NULL
      );
    `,
  },
  // Version 3 is the accept path's (the batch statement).
  {
    version: 4,
    sql: `
      -- Limited stock. The CHECKs are the invariant itself: a commit that would make
      -- initial ≠ available + reserved + sold, or any count negative, is refused.
      CREATE TABLE products (
        sku text PRIMARY KEY,
        name text NOT NULL,
        price_cents bigint NOT NULL CHECK (price_cents >= 0),
        initial bigint NOT NULL CHECK (initial >= 0),
        available bigint NOT NULL CHECK (available >= 0),
        reserved bigint NOT NULL CHECK (reserved >= 0),
        sold bigint NOT NULL CHECK (sold >= 0),
        per_customer_limit integer CHECK (per_customer_limit IS NULL OR per_customer_limit >= 1),
        starts_at timestamptz,
        ends_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (initial = available + reserved + sold)
      );
      -- Units of a sku a customer holds or bought (orders pending, processing or completed).
      CREATE TABLE customer_units (
        sku text NOT NULL,
        customer_id integer NOT NULL,
        units integer NOT NULL CHECK (units >= 0),
        PRIMARY KEY (sku, customer_id)
      );
      -- The catalog lines an order reserved, [{"sku","quantity"}]; NULL when none.
      ALTER TABLE orders ADD COLUMN reservation json;
      -- Accept order across every api process, for the queue position estimate.
      ALTER TABLE orders ADD COLUMN seq bigserial;
      -- Orders still pending after the reservation timeout are found by age.
      CREATE INDEX orders_status_age ON orders (status, created_at);
      -- How far the workers have got: the highest seq any worker has claimed, and orders finished;
      -- one row, each worker process folds its progress in at most once a second.
      CREATE TABLE queue_progress (
        id integer PRIMARY KEY CHECK (id = 1),
        claimed_seq bigint NOT NULL DEFAULT 0,
        finished bigint NOT NULL DEFAULT 0,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      INSERT INTO queue_progress (id) VALUES (1);
    `,
  },
  {
    version: 5,
    sql: `
      -- Units sold by products since removed, by sku. Their completed orders stay, so the stock
      -- audit expects the orders' sold units of a sku = its product's sold + these.
      CREATE TABLE retired_units (
        sku text PRIMARY KEY,
        sold bigint NOT NULL CHECK (sold >= 0)
      );
    `,
  },
];
