import { Command, Option } from 'commander';
import { optionParser } from '../config/flags.js';
import { parseNumber } from '../config/parse.js';
import { CATALOG_LIMITS, checkProduct, checkSku, ProductInputError } from '../core/catalog.js';
import type { Product } from '../core/stock.js';
import type { StockAudit } from '../core/stock-audit.js';
import { EXIT_USAGE } from '../loadtest/outcome.js';
import { AdminClient, type AdminFlags, addAdminFlags, type Output, runAdmin, STDIO, table } from './admin-client.js';

interface SetFlags extends AdminFlags {
  price: number;
  stock: number;
  name?: string;
  limit?: number | null;
  startsAt?: string;
  endsAt?: string;
}

const units = (min: number, what: string) =>
  optionParser((text) => parseNumber(text, { integer: true, min, max: CATALOG_LIMITS.maxStock, flag: what }));
const price = optionParser((text) => parseNumber(text, { min: 0, max: CATALOG_LIMITS.maxPrice, flag: '--price' }));
const limit = optionParser((text) =>
  text.trim() === 'none'
    ? null
    : parseNumber(text, { integer: true, min: 1, max: CATALOG_LIMITS.maxStock, flag: '--limit' }),
);

/** `flashsale products set|list|show|restock|delete|audit`: the catalog of a running server. */
export function productsCommand(io: Output = STDIO): Command {
  const products = new Command('products').description(
    'define products and their stock on a running server, and audit the stock against the orders',
  );

  addAdminFlags(
    products
      .command('set')
      .description('create a product, or replace every field of one (a field left out is reset)')
      .argument('<sku>', 'letters, digits, ".", "_" and "-"')
      .addOption(
        new Option('--price <price>', 'price per unit, at most 2 decimals').argParser(price).makeOptionMandatory(),
      )
      .addOption(
        new Option('--stock <n>', 'units on sale (at least those reserved and sold already)')
          .argParser(units(0, '--stock'))
          .makeOptionMandatory(),
      )
      .option('--name <name>', 'what customers see (default: the sku)')
      .addOption(new Option('--limit <n|none>', 'units one customer may hold and buy (default none)').argParser(limit))
      .option('--starts-at <time>', 'on sale from, ISO 8601 with a zone (default: open)')
      .option('--ends-at <time>', 'on sale until, ISO 8601 with a zone (default: open)'),
  ).action((sku: string, flags: SetFlags) =>
    run(io, async () => {
      const body = {
        price: flags.price,
        stock: flags.stock,
        ...(flags.name !== undefined ? { name: flags.name } : {}),
        ...(flags.limit !== undefined ? { per_customer_limit: flags.limit } : {}),
        ...(flags.startsAt !== undefined ? { starts_at: flags.startsAt } : {}),
        ...(flags.endsAt !== undefined ? { ends_at: flags.endsAt } : {}),
      };
      // The server's own rules, checked here first: a mistake on the command line is a usage error.
      checkProduct(checkSku(sku, 'the sku'), body);
      let created = false;
      const answer = await new AdminClient(flags).request<Product>('PUT', path(sku), body, (code) => {
        created = code === 201;
      });
      if (flags.json) return io.out(JSON.stringify(answer, null, 2));
      io.out(`${created ? 'created' : 'replaced'} ${describe(answer)}`);
    }),
  );

  addAdminFlags(products.command('list').description('every product and its stock now')).action((flags: AdminFlags) =>
    run(io, async () => {
      const answer = await new AdminClient(flags, process.env, { public: true }).request<{ products: Product[] }>(
        'GET',
        '/products',
      );
      if (flags.json) return io.out(JSON.stringify(answer, null, 2));
      if (answer.products.length === 0) return io.out('no products: every sku is sold unlimited (open catalog)');
      const rows = answer.products.map((p) => [
        p.sku,
        p.name,
        p.price.toFixed(2),
        p.per_customer_limit === null ? '-' : String(p.per_customer_limit),
        String(p.stock.initial),
        String(p.stock.available),
        String(p.stock.reserved),
        String(p.stock.sold),
        window(p),
      ]);
      io.out(table(['SKU', 'NAME', 'PRICE', 'LIMIT', 'INITIAL', 'AVAILABLE', 'RESERVED', 'SOLD', 'ON SALE'], rows));
    }),
  );

  addAdminFlags(products.command('show').description('one product and its stock now').argument('<sku>')).action(
    (sku: string, flags: AdminFlags) =>
      run(io, async () => {
        const client = new AdminClient(flags, process.env, { public: true });
        const answer = await client.request<Product>('GET', `/products/${encodeURIComponent(sku)}`);
        if (flags.json) return io.out(JSON.stringify(answer, null, 2));
        io.out(
          `${describe(answer)}\n  limit per customer: ${answer.per_customer_limit ?? 'none'}\n  on sale: ${window(answer)}`,
        );
      }),
  );

  addAdminFlags(
    products
      .command('restock')
      .description('add units to a product')
      .argument('<sku>')
      .argument('<add>', 'units to add, 1 or more', units(1, 'the units to add')),
  ).action((sku: string, add: number, flags: AdminFlags) =>
    run(io, async () => {
      const answer = await new AdminClient(flags).request<Product>('POST', `${path(sku)}/restock`, { add });
      if (flags.json) return io.out(JSON.stringify(answer, null, 2));
      io.out(`restocked ${describe(answer)}`);
    }),
  );

  addAdminFlags(
    products.command('delete').description('remove a product no order holds units of').argument('<sku>'),
  ).action((sku: string, flags: AdminFlags) =>
    run(io, async () => {
      const answer = await new AdminClient(flags).request<Product>('DELETE', path(sku));
      if (flags.json) return io.out(JSON.stringify(answer, null, 2));
      io.out(`removed ${sku}: its ${answer.stock.sold} sold unit(s) stay in their orders; the sku is open again`);
    }),
  );

  addAdminFlags(
    products
      .command('audit')
      .description('recompute every sku from the orders and compare with the counters; exit 1 on any drift'),
  ).action((flags: AdminFlags) =>
    run(io, async () => {
      const audit = await new AdminClient(flags).request<StockAudit>('GET', '/admin/products/audit');
      if (!audit.clean) process.exitCode = 1;
      if (flags.json) return io.out(JSON.stringify(audit, null, 2));
      printAudit(io, audit);
    }),
  );
  return products;
}

function printAudit(io: Output, audit: StockAudit): void {
  const count = (n: number | undefined) => (n === undefined ? '-' : String(n));
  const rows = audit.skus.map((s) => [
    s.sku,
    count(s.counters?.initial),
    count(s.counters?.available),
    `${count(s.counters?.reserved)} / ${s.orders.reserved}`,
    `${count(s.counters?.sold === undefined ? undefined : s.counters.sold + s.retired_sold)} / ${s.orders.sold}`,
    s.drift.length === 0 ? 'ok' : `DRIFT (${s.drift.length})`,
  ]);
  if (rows.length > 0) {
    io.out(table(['SKU', 'INITIAL', 'AVAILABLE', 'RESERVED counter/orders', 'SOLD counter/orders', ''], rows));
  }
  for (const s of audit.skus) for (const d of s.drift) io.out(`  ${s.sku} ${d.field}: ${d.message}`);
  const drifted = audit.skus.filter((s) => s.drift.length > 0).length;
  io.out(
    drifted === 0
      ? `clean: ${audit.skus.length} sku(s) agree with ${audit.orders_scanned} order(s)`
      : `drift in ${drifted} of ${audit.skus.length} sku(s) (${audit.orders_scanned} order(s) read)`,
  );
}

function path(sku: string): string {
  return `/admin/products/${encodeURIComponent(sku)}`;
}

function describe(p: Product): string {
  const { initial, available, reserved, sold } = p.stock;
  return `${p.sku} "${p.name}" at ${p.price.toFixed(2)}: ${available} of ${initial} available, ${reserved} reserved, ${sold} sold${p.sold_out ? ' (sold out)' : ''}`;
}

function window(p: Product): string {
  if (p.starts_at === null && p.ends_at === null) return 'always';
  return `${p.starts_at ?? '…'} – ${p.ends_at ?? '…'}`;
}

/** A product the server would refuse is a usage error (2); a refusal by the server, 1 (runAdmin). */
async function run(io: Output, action: () => Promise<void>): Promise<void> {
  await runAdmin(io, async () => {
    try {
      await action();
    } catch (error) {
      if (!(error instanceof ProductInputError)) throw error;
      io.err(`flashsale: ${error.message}`);
      process.exitCode = EXIT_USAGE;
    }
  });
}
