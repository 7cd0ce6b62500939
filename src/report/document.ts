/**
 * The report as a small document model that both the Markdown and the HTML
 * renderers walk. Text may use `**bold**` and `` `code` `` — nothing else.
 */
import type { Chart } from './charts.js';

export interface Table {
  header: string[];
  rows: string[][];
  /** Columns aligned left (the others right). Default: the first. */
  left?: number[];
}

export type Block =
  | { kind: 'heading'; text: string }
  | { kind: 'paragraph'; text: string }
  | { kind: 'list'; ordered: boolean; items: string[] }
  | { kind: 'table'; table: Table; caption?: string }
  | { kind: 'charts'; charts: Chart[] };

export interface Section {
  id: string;
  title: string;
  blocks: Block[];
}

export interface ReportDocument {
  title: string;
  /** Lines under the title: when, what, units. */
  subtitle: string[];
  sections: Section[];
}

export const p = (text: string): Block => ({ kind: 'paragraph', text });
export const h = (text: string): Block => ({ kind: 'heading', text });
export const ul = (items: string[]): Block => ({ kind: 'list', ordered: false, items });
export const ol = (items: string[]): Block => ({ kind: 'list', ordered: true, items });
export const table = (t: Table, caption?: string): Block =>
  caption === undefined ? { kind: 'table', table: t } : { kind: 'table', table: t, caption };
export const charts = (list: Chart[]): Block => ({ kind: 'charts', charts: list });
