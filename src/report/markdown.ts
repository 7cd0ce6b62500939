/** Renders the report document as GitHub-flavoured Markdown; charts are linked SVG files. */
import type { Chart } from './charts.js';
import type { Block, ReportDocument, Table } from './document.js';

export interface MarkdownOptions {
  /** Relative path of a chart's SVG file, or undefined to leave the chart out. */
  chartPath?: (chart: Chart) => string | undefined;
}

export function renderMarkdown(doc: ReportDocument, options: MarkdownOptions = {}): string {
  const out: string[] = [`# ${doc.title}`, '', ...doc.subtitle.map((line) => `_${line}_`).flatMap((l) => [l, '']), ''];
  out.push(`Contents: ${doc.sections.map((s) => `[${s.title}](#${s.id})`).join(' · ')}`, '');
  for (const section of doc.sections) {
    out.push(`## ${section.title}`, '');
    for (const block of section.blocks) out.push(...renderBlock(block, options), '');
  }
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}

function renderBlock(block: Block, options: MarkdownOptions): string[] {
  switch (block.kind) {
    case 'heading':
      return [`### ${block.text}`];
    case 'paragraph':
      return [block.text];
    case 'list':
      return block.items.map((item, i) => `${block.ordered ? `${i + 1}.` : '-'} ${item}`);
    case 'table':
      return [...(block.caption ? [`**${block.caption}**`, ''] : []), ...renderTable(block.table)];
    case 'charts':
      return block.charts.flatMap((chart) => {
        const path = options.chartPath?.(chart);
        return path ? [`![${chart.title}](${path})`, ''] : [];
      });
  }
}

function renderTable(t: Table): string[] {
  const left = new Set(t.left ?? [0]);
  const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [
    `| ${t.header.map(cell).join(' | ')} |`,
    `|${t.header.map((_, i) => (left.has(i) ? '---' : '---:')).join('|')}|`,
    ...t.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
}
