import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  body: Buffer;
  type: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The page's own files live in src/dashboard/public (shipped with the
 * package); compiled code in dist/dashboard finds them two levels up.
 */
function publicDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, 'public'), join(here, '..', '..', 'src', 'dashboard', 'public')];
  const found = candidates.find((dir) => existsSync(join(dir, 'index.html')));
  if (!found) throw new Error(`dashboard files not found in ${candidates.join(' or ')}`);
  return found;
}

/** uPlot comes from node_modules, so the page needs no CDN and works offline. */
function uplotDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('uplot/dist/uPlot.iife.min.js'));
}

function load(path: string): Asset {
  const ext = path.slice(path.lastIndexOf('.'));
  return { body: readFileSync(path), type: TYPES[ext] ?? 'application/octet-stream' };
}

/** Reads every file the dashboard serves, once, keyed by the name under /dashboard/assets/. */
export function loadDashboardAssets(): { page: Asset; files: Map<string, Asset> } {
  const pub = publicDir();
  const uplot = uplotDir();
  const files = new Map<string, Asset>([
    ['dashboard.js', load(join(pub, 'dashboard.js'))],
    ['dashboard.css', load(join(pub, 'dashboard.css'))],
    ['uPlot.iife.min.js', load(join(uplot, 'uPlot.iife.min.js'))],
    ['uPlot.min.css', load(join(uplot, 'uPlot.min.css'))],
  ]);
  return { page: load(join(pub, 'index.html')), files };
}
