// Rewrites the settings table of README.md from src/config/settings/*.ts.
// Usage: npm run docs:settings
import { readFileSync, writeFileSync } from 'node:fs';
import { withSettingsTable } from '../src/config/settings-doc.js';

const file = new URL('../README.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = withSettingsTable(before);
if (after === before) {
  console.log('README.md: the settings table is current');
} else {
  writeFileSync(file, after);
  console.log('README.md: settings table rewritten');
}
