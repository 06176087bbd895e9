/**
 * A report document as email HTML. Mail clients strip `<style>` blocks, rewrite
 * or invert colors and ignore most layout CSS, so this is the long-proven
 * subset: nested tables with role="presentation" for layout, inline styles
 * only, an explicit background and text color on every cell (a client that
 * inverts colors then keeps the contrast), one 640 px column that shrinks on
 * phones, and images only as `cid:` references to attachments. Every string
 * from the data or the LLM passes through `escapeHtml`; no link is written.
 */
import { escapeHtml } from './escape.js';
import {
  type Block,
  type Cell,
  type Column,
  type Figure,
  FOOTNOTE,
  type ListItem,
  type ReportDocument,
  type Tone,
} from './report-document.js';

const REPORT_WIDTH = 640;
const GUTTER = 24;
const CONTENT_WIDTH = REPORT_WIDTH - 2 * GUTTER;

const EMAIL_COLORS = {
  page: '#eef2f6',
  card: '#ffffff',
  stripe: '#f6f8fb',
  text: '#0f172a',
  muted: '#5b6b80',
  border: '#e2e8f0',
  tile: '#f6f8fb',
  header: '#0f2744',
  headerText: '#ffffff',
  headerMuted: '#c4d3e6',
  positive: '#047857',
  negative: '#b91c1c',
  warning: '#92400e',
} as const;
const C = EMAIL_COLORS;

/**
 * System fonts only: a web font is an external request, which most clients block. Apple clients take
 * -apple-system, Windows Segoe UI, Android maps sans-serif to Roboto and Linux to its default sans; the
 * stack stays that short because every cell repeats it.
 */
const FONT = "-apple-system,'Segoe UI',Arial,sans-serif";

const BADGE_COLORS: Readonly<Record<Tone, { readonly bg: string; readonly fg: string }>> = {
  positive: { bg: '#d1fae5', fg: '#065f46' },
  negative: { bg: '#fee2e2', fg: '#991b1b' },
  plain: { bg: '#e2e8f0', fg: '#1e293b' },
  muted: { bg: '#f1f5f9', fg: '#475569' },
  warning: { bg: '#fef3c7', fg: '#92400e' },
};

/** A small label (severity, priority, confidence) inside text, colors on the span for clients that invert. */
const badgeSpan = (badge: { text: string; tone: Tone }, background: string = C.card): string => {
  const colors = BADGE_COLORS[badge.tone];
  return (
    `<span style="padding:1px 6px;border-radius:8px;${paint(colors.fg, colors.bg, 11, true)};letter-spacing:1px">` +
    `${escapeHtml(badge.text.toUpperCase())}</span><span style="background-color:${background}">&nbsp;</span>`
  );
};

const toneColor = (tone: Tone | undefined, fallback: string = C.text): string =>
  tone === 'positive'
    ? C.positive
    : tone === 'negative'
      ? C.negative
      : tone === 'muted'
        ? C.muted
        : tone === 'warning'
          ? C.warning
          : fallback;

/**
 * What every text-bearing cell repeats: Outlook for Windows does not inherit fonts into cells, and a
 * client that inverts colors needs both colors to keep the contrast. `font` is the shortest form it reads.
 */
const paint = (color: string, background: string, size: number, bold = false): string =>
  `background-color:${background};color:${color};font:${bold ? 'bold ' : ''}${size}px/${Math.round(size * 1.45)}px ${FONT}`;

/** `paint` for table data, without a line height (cellpadding spaces the rows). */
const paintCell = (color: string, background: string): string =>
  `background-color:${background};color:${color};font:13px ${FONT}`;

const LAYOUT = 'role="presentation" cellpadding="0" cellspacing="0" border="0" width="100%"';

const paragraph = (text: string, tone?: Tone): string =>
  `<p style="margin:0 0 12px;${paint(toneColor(tone), C.card, tone === 'muted' ? 13 : 15)}">${escapeHtml(text)}</p>`;

const subheading = (text: string): string =>
  `<p style="margin:18px 0 8px;${paint(C.muted, C.card, 12, true)};letter-spacing:1px;text-transform:uppercase">` +
  `${escapeHtml(text)}</p>`;

function figureTile(figure: Figure | undefined): string {
  const style = `padding:10px 12px;border:1px solid ${C.border};${paint(C.muted, C.tile, 12)}`;
  if (!figure) return `<td width="33%" style="${style}">&nbsp;</td>`;
  const note = figure.note ? `<br>${escapeHtml(figure.note)}` : '';
  return (
    `<td width="33%" valign="top" style="${style}">${escapeHtml(figure.label)}<br>` +
    `<span style="${paint(toneColor(figure.tone), C.tile, 18, true)}">${escapeHtml(figure.value)}</span>${note}</td>`
  );
}

function figures(items: readonly Figure[]): string {
  const rows: string[] = [];
  for (let i = 0; i < items.length; i += 3) {
    rows.push(`<tr>${[0, 1, 2].map((j) => figureTile(items[i + j])).join('')}</tr>`);
  }
  return `<table ${LAYOUT} style="margin:0 0 12px;border-collapse:collapse">${rows.join('')}</table>`;
}

function table(columns: readonly Column[], rows: ReadonlyArray<readonly Cell[]>, more?: string): string {
  const align = (c: Column | undefined) => (c?.numeric ? ' align="right"' : '');
  const head = columns
    .map(
      (c) =>
        `<th scope="col"${align(c) || ' align="left"'} style="border-bottom:2px solid ${C.border};` +
        `${paint(C.muted, C.card, 12, true)};white-space:nowrap">${escapeHtml(c.label)}</th>`,
    )
    .join('');
  // Data cells are most of a large report's bytes: padding comes from cellpadding, rows are told apart
  // by stripes rather than borders, and each cell carries nothing but its colors and font.
  const body = rows
    .map((row, r) => {
      const background = r % 2 === 0 ? C.card : C.stripe;
      const cells = row.map(
        (cell, i) =>
          `<td${align(columns[i])} style="${paintCell(toneColor(cell.tone), background)}">${escapeHtml(cell.text)}</td>`,
      );
      return `<tr>${cells.join('')}</tr>`;
    })
    .join('');
  return (
    `<table cellpadding="5" cellspacing="0" border="0" width="100%" style="border-collapse:collapse;margin:0 0 12px">` +
    `<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>${more ? paragraph(more, 'muted') : ''}`
  );
}

function listItem(item: ListItem, background: string): string {
  const note = item.note
    ? `<br><span style="${paint(C.muted, background, 13)}">${escapeHtml(item.note)}</span>`
    : '';
  return (
    `${item.badge ? badgeSpan(item.badge, background) : ''}` +
    `${item.lead ? `<strong>${escapeHtml(item.lead)}</strong> ` : ''}${escapeHtml(item.text)}${note}`
  );
}

function list(items: readonly ListItem[]): string {
  const rows = items.map(
    (item) =>
      `<tr><td width="16" valign="top" style="padding:0 0 8px;${paint(C.muted, C.card, 15)}">&#8226;</td>` +
      `<td valign="top" style="padding:0 0 8px;${paint(C.text, C.card, 15)}">${listItem(item, C.card)}</td></tr>`,
  );
  return `<table ${LAYOUT} style="margin:0 0 8px">${rows.join('')}</table>`;
}

function card(b: Extract<Block, { kind: 'card' }>): string {
  const head =
    `<tr><td style="padding:10px 12px 4px;${paint(C.text, C.tile, 16, true)}">` +
    `${b.badge ? badgeSpan(b.badge, C.tile) : ''}${escapeHtml(b.title)}` +
    `${b.subtitle ? `<br><span style="${paint(C.muted, C.tile, 13)}">${escapeHtml(b.subtitle)}</span>` : ''}</td></tr>`;
  const image = b.chart
    ? `<tr><td style="padding:4px 12px;${paint(C.muted, C.tile, 12)}">` +
      `<img src="cid:${escapeHtml(b.chart.cid)}" width="${Math.min(b.chart.width, CONTENT_WIDTH - 26)}" ` +
      `height="${Math.round((b.chart.height * Math.min(b.chart.width, CONTENT_WIDTH - 26)) / b.chart.width)}" ` +
      `alt="${escapeHtml(b.chart.alt)}" style="display:block;width:100%;height:auto;border:0;background-color:${C.card};color:${C.muted}"></td></tr>`
    : '';
  const items = b.items
    .map(
      (item) =>
        `<tr><td style="padding:3px 12px;${paint(C.text, C.tile, 14)}">${listItem(item, C.tile)}</td></tr>`,
    )
    .join('');
  return (
    `<table ${LAYOUT} style="margin:0 0 12px;border:1px solid ${C.border};border-collapse:separate;background-color:${C.tile}">` +
    `${head}${image}${items}<tr><td style="padding:0 0 8px;${paint(C.text, C.tile, 4)}"></td></tr></table>`
  );
}

function chart(block: Extract<Block, { kind: 'chart' }>): string {
  const { chart } = block;
  // Drawn at most as wide as the column; height:auto keeps the ratio when a phone narrows it.
  const width = Math.min(chart.width, CONTENT_WIDTH);
  const height = Math.round((chart.height * width) / chart.width);
  return (
    `<img src="cid:${escapeHtml(chart.cid)}" width="${width}" height="${height}" alt="${escapeHtml(chart.alt)}" ` +
    `style="display:block;width:100%;max-width:${width}px;height:auto;border:1px solid ${C.border};` +
    `background-color:${C.card};color:${C.muted}"><p style="margin:6px 0 18px;${paint(C.muted, C.card, 12)}">` +
    `${escapeHtml(block.caption)}</p>`
  );
}

function block(b: Block): string {
  switch (b.kind) {
    case 'paragraph':
      return paragraph(b.text, b.tone);
    case 'subheading':
      return subheading(b.text);
    case 'figures':
      return figures(b.figures);
    case 'table':
      return table(b.columns, b.rows, b.more);
    case 'list':
      return list(b.items);
    case 'chart':
      return chart(b);
    case 'card':
      return card(b);
  }
}

function header(doc: ReportDocument): string {
  const badge = BADGE_COLORS[doc.badge.tone];
  return (
    `<tr><td style="padding:24px ${GUTTER}px 22px;${paint(C.headerMuted, C.header, 12)};letter-spacing:1px">` +
    `SLUICE &#183; ${escapeHtml(doc.title.toUpperCase())} &#183; ${escapeHtml(doc.dataset)}` +
    `<h1 style="margin:10px 0 14px;${paint(C.headerText, C.header, 22, true)};letter-spacing:0">` +
    `${escapeHtml(doc.headline)}</h1>` +
    `<span style="padding:3px 10px;border-radius:11px;${paint(badge.fg, badge.bg, 12, true)};letter-spacing:1px">` +
    `${escapeHtml(doc.badge.text.toUpperCase())}</span>&nbsp;&nbsp;` +
    `<span style="${paint(C.headerText, C.header, 14)};letter-spacing:0">${escapeHtml(doc.lead)}</span></td></tr>`
  );
}

function footer(doc: ReportDocument): string {
  const lines = doc.footer
    .map((f) => `${escapeHtml(f.label)}: <span style="color:${C.text}">${escapeHtml(f.value)}</span>`)
    .join('<br>');
  return (
    `<tr><td style="padding:16px ${GUTTER}px 24px;border-top:1px solid ${C.border};${paint(C.muted, C.card, 12)};` +
    `word-break:break-all">${lines}<br><br>${escapeHtml(FOOTNOTE)}</td></tr>`
  );
}

/** The full HTML document of an email. */
export function reportHtml(doc: ReportDocument, subject: string): string {
  const sections = doc.sections
    .map(
      (s) =>
        `<tr><td style="padding:20px ${GUTTER}px 8px;${paint(C.text, C.card, 15)}">` +
        `<h2 style="margin:0 0 12px;${paint(C.text, C.card, 18, true)}">${escapeHtml(s.title)}</h2>` +
        `${s.blocks.map(block).join('')}</td></tr>`,
    )
    .join('');
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="x-apple-disable-message-reformatting">' +
    '<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">' +
    `<title>${escapeHtml(subject)}</title></head>` +
    `<body style="margin:0;padding:0;background-color:${C.page};color:${C.text}">` +
    // The preview line an inbox shows next to the subject; hidden in the message itself.
    `<div style="display:none;max-height:0;overflow:hidden;mso-hide:all">${escapeHtml(doc.lead)}</div>` +
    `<table ${LAYOUT} style="background-color:${C.page}"><tr>` +
    `<td align="center" style="padding:24px 8px;${paint(C.text, C.page, 15)}">` +
    // Outlook for Windows ignores max-width: a fixed-width table only it sees holds the column.
    `<!--[if mso]><table role="presentation" width="${REPORT_WIDTH}" cellpadding="0" cellspacing="0" border="0">` +
    `<tr><td style="background-color:${C.page};color:${C.text}"><![endif]-->` +
    `<table ${LAYOUT} style="max-width:${REPORT_WIDTH}px;background-color:${C.card};border-collapse:collapse">` +
    `${header(doc)}${sections}${footer(doc)}</table>` +
    '<!--[if mso]></td></tr></table><![endif]--></td></tr></table></body></html>'
  );
}
