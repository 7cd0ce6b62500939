/**
 * Renders the report document as one self-contained HTML page: inline CSS and
 * inline SVG charts, no script, no font or stylesheet from the network — it
 * opens offline.
 */
import type { Block, ReportDocument, Table } from './document.js';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot' }[c]};`);
}

/** Escapes, then turns `**bold**` and `` `code` `` into elements. */
function inline(text: string): string {
  return escapeHtml(text)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

const STYLE = `
:root { color-scheme: light; }
body { margin: 0; background: #f5f6f8; color: #212121; font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 64px; background: #fff; box-shadow: 0 0 0 1px #e3e5e8; }
h1 { font-size: 28px; margin: 8px 0 4px; }
h2 { font-size: 22px; margin: 40px 0 12px; padding-bottom: 6px; border-bottom: 2px solid #e3e5e8; }
h3 { font-size: 17px; margin: 26px 0 8px; }
.subtitle { color: #546e7a; margin: 2px 0; font-size: 14px; }
nav { margin: 16px 0 0; font-size: 14px; }
nav a { margin-right: 14px; color: #1565c0; text-decoration: none; }
code { font: 13px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f1f3f5; padding: 1px 4px; border-radius: 3px; }
.table-wrap { overflow-x: auto; margin: 10px 0 18px; }
table { border-collapse: collapse; font-size: 13.5px; min-width: 50%; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { padding: 5px 10px; border-bottom: 1px solid #e6e8eb; text-align: right; white-space: nowrap; }
th { background: #f7f8fa; font-weight: 600; border-bottom: 2px solid #d5d9de; }
td.l, th.l { text-align: left; white-space: normal; }
tbody tr:hover { background: #fafbfc; }
figure.chart { margin: 14px 0 22px; overflow-x: auto; }
figure.chart svg { max-width: 100%; height: auto; border: 1px solid #eceff1; border-radius: 4px; }
ul, ol { padding-left: 22px; }
li { margin: 3px 0; }
footer { margin-top: 48px; color: #78909c; font-size: 13px; }
`;

export function renderHtml(doc: ReportDocument): string {
  const body: string[] = [
    '<header>',
    `<h1>${inline(doc.title)}</h1>`,
    ...doc.subtitle.map((line) => `<p class="subtitle">${inline(line)}</p>`),
    `<nav>${doc.sections.map((s) => `<a href="#${s.id}">${escapeHtml(s.title)}</a>`).join('')}</nav>`,
    '</header>',
  ];
  for (const section of doc.sections) {
    body.push(`<section id="${section.id}">`, `<h2>${escapeHtml(section.title)}</h2>`);
    for (const block of section.blocks) body.push(renderBlock(block));
    body.push('</section>');
  }
  body.push('<footer>Made by <code>flashsale report</code>. Self-contained: no script, no network.</footer>');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<main>',
    ...body,
    '</main>',
    '</body>',
    '</html>',
    '',
  ].join('\n');
}

function renderBlock(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `<h3>${inline(block.text)}</h3>`;
    case 'paragraph':
      return `<p>${inline(block.text)}</p>`;
    case 'list': {
      const tag = block.ordered ? 'ol' : 'ul';
      return `<${tag}>${block.items.map((item) => `<li>${inline(item)}</li>`).join('')}</${tag}>`;
    }
    case 'table':
      return renderTable(block.table, block.caption);
    case 'charts':
      return block.charts
        .map((chart) => `<figure class="chart" id="chart-${chart.id}">${chart.svg}</figure>`)
        .join('\n');
  }
}

function renderTable(t: Table, caption?: string): string {
  const left = new Set(t.left ?? [0]);
  const cls = (i: number) => (left.has(i) ? ' class="l"' : '');
  return [
    '<div class="table-wrap"><table>',
    caption ? `<caption>${inline(caption)}</caption>` : '',
    `<thead><tr>${t.header.map((c, i) => `<th${cls(i)}>${inline(c)}</th>`).join('')}</tr></thead>`,
    `<tbody>${t.rows.map((row) => `<tr>${row.map((c, i) => `<td${cls(i)}>${inline(c)}</td>`).join('')}</tr>`).join('')}</tbody>`,
    '</table></div>',
  ].join('');
}
