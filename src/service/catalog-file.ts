import { readFile } from 'node:fs/promises';
import { type Catalog, catalogEntries, ProductInputError, type ProductSpec } from '../core/catalog.js';
import { ConfigError } from '../core/errors.js';
import type { Logger } from '../core/ports.js';

/** A catalog file that cannot be loaded: the message names the file, the product and the field. */
export class CatalogFileError extends ConfigError {
  constructor(file: string, reason: string) {
    super('catalog.file', reason);
    this.name = 'CatalogFileError';
    this.message = `catalog file ${file}: ${reason} (flag --catalog, env FLASHSALE_CATALOG)`;
  }
}

/** Reads and checks a catalog file; throws a CatalogFileError on the first thing wrong in it. */
export async function readCatalogFile(file: string): Promise<ProductSpec[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new CatalogFileError(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new CatalogFileError(file, `is not valid JSON: ${(error as Error).message}`);
  }
  try {
    return catalogEntries(document);
  } catch (error) {
    if (error instanceof ProductInputError) throw new CatalogFileError(file, error.message);
    throw error;
  }
}

/**
 * Loads a catalog file into the catalog at start: the products that do not
 * exist yet are created; the others are left as they are, so a process
 * restarted mid-sale (or a second api process) never resets a running sale.
 */
export async function loadCatalogFile(deps: { catalog: Catalog; logger: Logger }, file: string): Promise<void> {
  const specs = await readCatalogFile(file);
  const { created, kept } = await deps.catalog.seed(specs);
  deps.logger.info(
    { file, created, kept },
    `catalog: ${created.length} product(s) created, ${kept.length} kept as they were`,
  );
}
