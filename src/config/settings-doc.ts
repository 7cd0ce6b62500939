/**
 * The README's settings table, generated from the settings table so that it
 * cannot drift: `npm run docs:settings` rewrites it, a test fails when it is stale.
 */
import type { Role } from './service-config.js';
import { ALL, GROUPS, type Group, type Setting } from './setting.js';
import { SETTINGS } from './settings.js';

export const BEGIN = '<!-- settings:begin -->';
export const END = '<!-- settings:end -->';

// Inside a table even a code span ends at an unescaped |.
const code = (text: string) => `\`${text.replaceAll('|', '\\|')}\``;
// A doc line is plain text: keep `<id>` from reading as HTML and `|` from ending a cell.
const cell = (text: string) => text.replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('|', '\\|');

function variable(s: Setting): string {
  const aliases = s.envAliases?.length ? ` (or ${s.envAliases.map(code).join(', ')})` : '';
  return `${code(s.env)}${aliases}`;
}

function flag(s: Setting): string {
  if (!s.flag) return '—';
  return s.rule.switch
    ? `${code(s.flag)} / ${code(`--no-${s.flag.slice(2)}`)}`
    : code(`${s.flag} <${s.rule.placeholder}>`);
}

function defaults(s: Setting): string {
  const show = (value: unknown) => code(s.rule.show(value as never));
  const base = s.default === undefined ? 'unset' : show(s.default);
  const others = Object.entries(s.roleDefaults ?? {}).map(([role, value]) => `${role} ${show(value)}`);
  return others.length ? `${base} (${others.join(', ')})` : base;
}

function roles(s: Setting): string {
  return s.roles.length === ALL.length ? 'all' : (s.roles as Role[]).join(', ');
}

/** The generated Markdown: one table per group, every setting of the table. */
export function settingsMarkdown(): string {
  const out = [`<!-- generated from src/config/settings/*.ts by \`npm run docs:settings\`; edit those, not this -->`];
  for (const group of Object.keys(GROUPS) as Group[]) {
    const rows = SETTINGS.filter((s) => s.group === group);
    if (rows.length === 0) continue;
    out.push(
      '',
      `**${GROUPS[group]}**`,
      '',
      '| variable | flag | default | what it does | roles |',
      '|---|---|---|---|---|',
    );
    for (const s of rows) out.push(`| ${variable(s)} | ${flag(s)} | ${defaults(s)} | ${cell(s.doc)} | ${roles(s)} |`);
  }
  return out.join('\n');
}

/** The README with its settings section regenerated; throws when the markers are missing. */
export function withSettingsTable(readme: string): string {
  const begin = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`README.md has no ${BEGIN} … ${END} markers`);
  return `${readme.slice(0, begin + BEGIN.length)}\n${settingsMarkdown()}\n${readme.slice(end)}`;
}
