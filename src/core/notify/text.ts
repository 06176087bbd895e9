/**
 * A report document as the plain-text alternative: the same content as the
 * HTML, for clients that show no HTML and for readers who prefer text. Tables
 * keep their columns with spaces, so they read in any monospace viewer.
 */
import {
  type Block,
  type Cell,
  type Column,
  FOOTNOTE,
  type ListItem,
  type ReportDocument,
} from './report-document.js';

const TEXT_WIDTH = 78;

/** Greedy word wrap; a word longer than the line (a key, a hash) stays whole on its own line. */
function wrap(text: string, width = TEXT_WIDTH, indent = ''): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line !== '' && line.length + 1 + word.length > width - indent.length) {
      lines.push(indent + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

function heading(title: string): string[] {
  return [title.toUpperCase(), '='.repeat(Math.min(TEXT_WIDTH, title.length))];
}

function textTable(columns: readonly Column[], rows: ReadonlyArray<readonly Cell[]>): string[] {
  const widths = columns.map((c, i) => Math.max(c.label.length, ...rows.map((r) => r[i]?.text.length ?? 0)));
  const line = (texts: readonly string[]) =>
    texts
      .map((t, i) => (columns[i]?.numeric ? t.padStart(widths[i] ?? 0) : t.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [
    line(columns.map((c) => c.label)),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map((r) => line(r.map((c) => c.text))),
  ];
}

function block(b: Block): string[] {
  switch (b.kind) {
    case 'paragraph':
      return wrap(b.text);
    case 'subheading':
      return [b.text, '-'.repeat(Math.min(TEXT_WIDTH, b.text.length))];
    case 'figures': {
      const width = Math.max(...b.figures.map((f) => f.label.length));
      return b.figures.flatMap((f) =>
        wrap(`${f.value}${f.note ? ` (${f.note})` : ''}`, TEXT_WIDTH, ' '.repeat(width + 2)).map((l, i) =>
          i === 0 ? `${f.label.padEnd(width + 2)}${l.trimStart()}` : l,
        ),
      );
    }
    case 'table':
      return [...textTable(b.columns, b.rows), ...(b.more ? wrap(b.more) : [])];
    case 'list':
      return b.items.flatMap((item) => listItem(item, '- ', '  '));
    case 'chart':
      return wrap(`[Chart] ${b.caption}`);
    case 'card':
      return [
        ...wrap(`${b.badge ? `[${b.badge.text.toUpperCase()}] ` : ''}${b.title}`),
        ...(b.subtitle ? wrap(b.subtitle, TEXT_WIDTH, '  ') : []),
        ...(b.chart ? wrap(`[Sparkline] ${b.chart.alt}`, TEXT_WIDTH, '  ') : []),
        ...b.items.flatMap((item) => listItem(item, '  * ', '    ')),
      ];
  }
}

function listItem(item: ListItem, bullet: string, indent: string): string[] {
  const head = `${item.badge ? `[${item.badge.text.toUpperCase()}] ` : ''}${item.lead ? `${item.lead} ` : ''}${item.text}`;
  return [
    ...wrap(head, TEXT_WIDTH, indent).map((l, i) => (i === 0 ? `${bullet}${l.trimStart()}` : l)),
    ...(item.note ? wrap(item.note, TEXT_WIDTH, indent) : []),
  ];
}

export function reportText(doc: ReportDocument): string {
  const out: string[] = [
    `SLUICE · ${doc.title.toUpperCase()} · ${doc.dataset}`,
    '',
    ...wrap(doc.headline),
    ...wrap(`[${doc.badge.text.toUpperCase()}] ${doc.lead}`),
  ];
  for (const section of doc.sections) {
    out.push('', ...heading(section.title));
    for (const b of section.blocks) out.push('', ...block(b));
  }
  out.push('', '-'.repeat(TEXT_WIDTH));
  for (const f of doc.footer) out.push(...wrap(`${f.label}: ${f.value}`));
  out.push('', ...wrap(FOOTNOTE), '');
  return out.join('\n');
}
