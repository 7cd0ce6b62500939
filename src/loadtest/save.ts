/** Saving a run's results: the JSON document and Locust's CSV files. */
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeLocustCsv } from './csv.js';
import { type LoadTestResult, writeResultsJson } from './results.js';

export interface SaveOptions {
  /** Folder for the files. Default `results`. */
  dir?: string;
  /** Base file name. Default the run's label and start time, e.g. `flash-sync-20260124-101500`. */
  name?: string;
  /** Locust CSV prefix (Locust's --csv). Default `<dir>/<name>`; null writes no CSV. */
  csvPrefix?: string | null;
  /** JSON file. Default `<dir>/<name>.json`. */
  jsonFile?: string;
}

/** Writes the results; resolves to the paths written, JSON first. */
export async function saveResults(result: LoadTestResult, options: SaveOptions = {}): Promise<string[]> {
  const dir = options.dir ?? 'results';
  const name = options.name ?? defaultResultName(result);
  const jsonFile = options.jsonFile ?? join(dir, `${name}.json`);
  const csvPrefix = options.csvPrefix === undefined ? join(dir, name) : options.csvPrefix;
  await mkdir(dirname(jsonFile), { recursive: true });
  await writeResultsJson(result, jsonFile);
  const written = [jsonFile];
  if (csvPrefix !== null) {
    await mkdir(dirname(csvPrefix), { recursive: true });
    written.push(...(await writeLocustCsv(result, csvPrefix)));
  }
  return written;
}

export function defaultResultName(result: LoadTestResult): string {
  const stamp = result.startedAt
    .replace(/\.\d+Z$/, '')
    .replace(/[-:]/g, '')
    .replace('T', '-');
  return `${result.config.label}-${stamp}`;
}
