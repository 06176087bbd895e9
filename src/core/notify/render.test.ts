import { beforeAll, describe, expect, it } from 'vitest';
import {
  failingAnalyst,
  manySymbolsAnalysis,
  marketAnalysis,
  ohlcvCsv,
  randomWalkMarket,
  salesAnalysis,
  scriptedAnalyst,
  storedAnalysisOf,
  vitalsAnalysis,
  XSS_PAYLOADS,
} from '../../../test/helpers/analysis-fixtures.js';
import type { StoredAnalysis } from '../analyze/stored-analysis.js';
import { escapeHtml } from './escape.js';
import { REPORT_LIMITS } from './limits.js';
import { type RenderedReport, renderReport } from './render.js';
import { DEFAULT_SUBJECT_TEMPLATE } from './subject.js';

const OPTIONS = { generatedAt: '2026-01-05T10:01:00.000Z', subjectTemplate: DEFAULT_SUBJECT_TEMPLATE };
const MAX_HTML_BYTES = 100 * 1024;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
/** Every tag the HTML really has; escaped text has no `<`, so a payload can never show up here. */
const tagsOf = (html: string) => html.match(/<[^>]*>/g) ?? [];
const NAMED_ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', nbsp: ' ' };
const decode = (text: string) =>
  text.replace(/&(?:#(\d+)|(amp|lt|gt|quot|nbsp));/g, (_, code: string | undefined, name: string) =>
    code ? String.fromCodePoint(Number(code)) : (NAMED_ENTITIES[name] ?? ''),
  );
const squash = (text: string) => text.replace(/\s+/g, ' ').trim().toLowerCase();

/** The words a reader sees in the HTML body: text between tags, entities decoded. */
function visibleSegments(html: string): string[] {
  const body = html.slice(html.indexOf('<body')).replace(/<!--[\s\S]*?-->/g, '');
  return body
    .split(/<[^>]*>/)
    .map((s) => squash(decode(s)))
    .filter((s) => s !== '' && s !== '•');
}

let market: StoredAnalysis;
let sales: StoredAnalysis;
let vitals: StoredAnalysis;
let many: StoredAnalysis;
let reports: Record<'market' | 'sales' | 'vitals' | 'many', RenderedReport>;

beforeAll(async () => {
  [market, sales, vitals, many] = await Promise.all([
    marketAnalysis(),
    salesAnalysis(),
    vitalsAnalysis(),
    manySymbolsAnalysis(500, 60),
  ]);
  reports = {
    market: renderReport(market, OPTIONS),
    sales: renderReport(sales, OPTIONS),
    vitals: renderReport(vitals, OPTIONS),
    many: renderReport(many, OPTIONS),
  };
}, 60_000);

describe('renderReport for every dataset', () => {
  const names = ['market', 'sales', 'vitals', 'many'] as const;

  it.each(names)('%s: uses inline styles only, and no script, stylesheet, link or remote image', (name) => {
    const { html } = reports[name];
    expect(html).not.toMatch(/<style|<link|<script|@import|url\(|<a\s|href=/i);
    for (const src of html.match(/\ssrc="[^"]*"/g) ?? [])
      expect(src).toMatch(/^ src="cid:chart-\d+@sluice"$/);
  });

  it.each(names)('%s: lays out with presentation tables in one 640 px column', (name) => {
    const { html } = reports[name];
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('role="presentation"');
    expect(html).toContain('max-width:640px');
    expect(html).toContain('<!--[if mso]><table role="presentation" width="640"');
  });

  it.each(names)('%s: declares light and dark schemes and colors every cell explicitly', (name) => {
    const { html } = reports[name];
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain('<meta name="supported-color-schemes" content="light dark">');
    const cells = html.match(/<t[dh][\s>][^>]*>/g) ?? [];
    expect(cells.length).toBeGreaterThan(20);
    for (const cell of cells)
      expect(cell).toMatch(/style="[^"]*background-color:#[0-9a-f]{6};color:#[0-9a-f]{6}/);
  });

  it.each(names)('%s: references every chart by its cid, once, in order', (name) => {
    const { html, charts } = reports[name];
    expect(charts.length).toBeGreaterThan(0);
    const cids = [...html.matchAll(/src="cid:([^"]+)"/g)].map((m) => m[1]);
    expect(cids).toEqual(charts.map((c) => c.cid));
    charts.forEach((c, i) => {
      expect(c.cid).toBe(`chart-${i + 1}@sluice`);
      expect(c.filename).toMatch(new RegExp(`^chart-${i + 1}(-[a-z0-9-]+)?\\.png$`));
      expect(c.alt.length).toBeGreaterThan(10);
    });
  });

  it.each(names)('%s: stays under 100 KB', (name) => {
    expect(bytes(reports[name].html)).toBeLessThan(MAX_HTML_BYTES);
  });

  it.each(names)('%s: never prints NaN, Infinity or undefined', (name) => {
    const { html, text, subject, charts } = reports[name];
    for (const out of [html, text, subject, ...charts.map((c) => c.svg)]) {
      expect(out).not.toMatch(/NaN|Infinity|undefined|\[object/);
    }
  });

  it.each(names)('%s: says in the text alternative everything the HTML shows', (name) => {
    const { html, text } = reports[name];
    const plain = squash(text);
    const segments = visibleSegments(html);
    expect(segments.length).toBeGreaterThan(80);
    expect(segments.filter((s) => !plain.includes(s))).toEqual([]);
  });

  it.each(names)('%s: ends with the footer: correlation id, dataset, input key, time and model', (name) => {
    const stored = { market, sales, vitals, many }[name];
    const { html, text } = reports[name];
    for (const out of [html, text]) {
      expect(out).toContain(stored.correlationId);
      expect(out).toContain(stored.input.key);
      expect(out).toContain(OPTIONS.generatedAt);
      expect(out).toContain('Narrative: ');
    }
  });
});

describe('renderReport for a market analysis', () => {
  it('heads the report with the sentiment label, the top gainer and the top loser', () => {
    const { html, text } = reports.market;
    const m = market.analysis.kind === 'market' ? market.analysis.market : undefined;
    const gainer = m?.topGainers[0]?.symbol as string;
    const loser = m?.topLosers[0]?.symbol as string;
    expect(html).toContain(`>${m?.sentiment.label.toUpperCase()}</span>`);
    expect(html).toMatch(new RegExp(`Top gainer ${gainer} \\+\\d+\\.\\d%`));
    expect(text).toMatch(new RegExp(`Top loser ${loser} -\\d+\\.\\d%`));
    expect(html).toContain(market.narrative.headline);
  });

  it('has one table row and one price chart per symbol', () => {
    const { html, charts, text } = reports.market;
    for (const symbol of ['AAPL', 'MSFT', 'NVDA']) {
      expect(html).toMatch(new RegExp(`<td[^>]*>${symbol}</td>`));
      expect(text).toMatch(new RegExp(`^${symbol} +[\\d.,]+ +[-+]\\d+\\.\\d% +(up|down|sideways|—) +`, 'm'));
    }
    // Findings cards come first with their sparklines; then one price chart per symbol.
    const priceCharts = charts
      .map((c) => c.filename.replace(/^chart-\d+-/, ''))
      .filter((f) => f.startsWith('price-'));
    expect(priceCharts.sort()).toEqual(['price-aapl.png', 'price-msft.png', 'price-nvda.png']);
  });

  it("marks on a symbol's chart the findings its table row counts", () => {
    const { charts } = reports.market;
    const m = market.analysis.kind === 'market' ? market.analysis.market : undefined;
    const nvda = m?.symbols.find((s) => s.symbol === 'NVDA');
    const chart = charts.find((c) => c.filename.includes('price-nvda'));
    const triangles = (
      chart?.svg.match(/<path d="M[\d.]+ [\d.]+L[\d.]+ [\d.]+L[\d.]+ [\d.]+Z" fill="#/g) ?? []
    ).length;
    const events = (nvda?.findings ?? []).filter((f) => f.severity !== 'info' && f.kind !== 'missing_bar');
    const legend = new Set(events.map((f) => f.kind)).size;
    expect(events.length).toBeGreaterThan(0);
    expect(triangles).toBe(events.length + legend);
  });

  it('leads with the executive summary, recommendations, findings and insights, in that order', () => {
    const { html, text } = reports.market;
    const order = [
      'Executive summary',
      'Recommendations',
      'Findings',
      'Insights',
      'At a glance',
      'Symbols',
      'Price charts',
    ];
    const at = order.map((title) => html.indexOf(`>${title}</h2>`));
    expect(at.every((i) => i > 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    const textAt = order.map((title) => text.indexOf(`\n${title.toUpperCase()}\n`));
    expect(textAt.every((i) => i > 0)).toBe(true);
    expect([...textAt].sort((a, b) => a - b)).toEqual(textAt);
  });

  it('shows each finding with its severity badge and evidence, per-symbol cards with a sparkline', () => {
    const { html, text, charts } = reports.market;
    const [worst] = market.findings;
    expect(html).toContain(`>${worst?.severity.toUpperCase()}</span>`);
    expect(html).toContain(escapeHtml(worst?.title ?? '-'));
    expect(text).toContain(`[${worst?.severity.toUpperCase()}]`);
    expect(text).toContain('Evidence: ');
    expect(charts.some((c) => c.filename.includes('spark-'))).toBe(true);
    expect(text).toContain('[Sparkline] Close of ');
    const [first] = market.narrative.recommendations ?? [];
    expect(text).toContain(`[${first?.priority.toUpperCase()}] ${first?.action}`);
  });

  it('summarizes the ingest: valid and rejected rows, each reason code, and where the rejects are', () => {
    const { html, text } = reports.market;
    expect(html).toContain(`>${market.ingest.valid}</span>`);
    for (const code of Object.keys(market.ingest.reasons)) {
      expect(html).toMatch(new RegExp(`<td[^>]*>${code}</td>`));
      expect(text).toMatch(new RegExp(`^${code} +\\d+ +[\\d.]+%$`, 'm'));
    }
    expect(html).toContain(market.input.rejectsKey);
    expect(text).toContain(market.input.rejectsKey);
  });

  it(`caps a 500-symbol report at ${REPORT_LIMITS.marketTableRows} rows and ${REPORT_LIMITS.marketCharts} charts`, () => {
    const { html, text, charts } = reports.many;
    expect(charts.filter((c) => c.filename.includes('-price-'))).toHaveLength(REPORT_LIMITS.marketCharts);
    expect(charts.filter((c) => c.filename.includes('-spark-')).length).toBeLessThanOrEqual(
      REPORT_LIMITS.symbolCards,
    );
    const rows = html.match(/<tr><td[^>]*>SYM\d{3}<\/td>/g) ?? [];
    expect(rows).toHaveLength(REPORT_LIMITS.marketTableRows);
    expect(html).toContain('…and 450 more symbols, smaller by traded value');
    expect(text).toContain('The 20 largest of 500 symbols by traded value.');
  });

  it('shows the largest symbols by traded value, in the table and the charts alike', () => {
    const m = many.analysis.kind === 'market' ? many.analysis.market : undefined;
    const largest = [...(m?.symbols ?? [])].sort((a, b) => b.tradedValue - a.tradedValue)[0]
      ?.symbol as string;
    const { html, charts } = reports.many;
    expect(html.match(/<tr><td[^>]*>(SYM\d{3})<\/td>/)?.[1]).toBe(largest);
    expect(charts.find((c) => c.filename.includes('-price-'))?.filename).toMatch(
      new RegExp(`^chart-\\d+-price-${largest.toLowerCase()}\\.png$`),
    );
  });
});

describe('renderReport for a sales analysis', () => {
  it('shows totals, brand, region and segment tables, top sellers, outliers and review keywords', () => {
    const { html } = reports.sales;
    const s = sales.analysis.kind === 'sales' ? sales.analysis.sales : undefined;
    for (const title of [
      'At a glance',
      'By brand',
      'By region',
      'By price segment',
      'Top sellers',
      'Price outliers',
    ]) {
      expect(html).toContain(`>${title}</h2>`);
    }
    expect(html).toContain('>717</span>');
    for (const brand of s?.byBrand ?? []) expect(html).toMatch(new RegExp(`<td[^>]*>${brand.key}</td>`));
    for (const outlier of s?.outliers ?? []) expect(html).toContain(`>${outlier.orderId}</td>`);
    expect(html).toContain(`camera (${s?.reviewKeywords[0]?.count})`);
  });

  it('draws revenue by brand, orders by segment and revenue by region', () => {
    expect(reports.sales.charts.map((c) => c.filename)).toEqual([
      'chart-1-revenue-by-brand.png',
      'chart-2-orders-by-segment.png',
      'chart-3-revenue-by-region.png',
    ]);
    expect(reports.sales.charts[1]?.svg).toContain('>Mid-range</text>');
  });
});

describe('renderReport for a vitals analysis', () => {
  it('shows readings and users, per-measure figures, the longest streaks and the users', () => {
    const { html, text } = reports.vitals;
    for (const title of ['Per measure', 'Longest streaks', 'Users']) expect(html).toContain(`>${title}</h2>`);
    expect(html).toContain('>849</span>');
    expect(html).toMatch(/<td[^>]*>Heart rate \(bpm\)<\/td>/);
    expect(text).toMatch(/^user_2 +\d+ +[\d.]+ +[\d.]+ +\d+ +[\d.]+ +14 heart rate$/m);
  });

  it('draws the out-of-band share per measure and the readings per user', () => {
    expect(reports.vitals.charts.map((c) => c.filename)).toEqual([
      'chart-1-out-of-band-share.png',
      'chart-2-readings-per-user.png',
    ]);
  });
});

describe('renderReport with hostile data and a hostile narrative', () => {
  let hostile: RenderedReport;

  beforeAll(async () => {
    const symbols = [XSS_PAYLOADS.script, XSS_PAYLOADS.img, XSS_PAYLOADS.js, 'AAPL'];
    const stored = await storedAnalysisOf('inputs/hostile.csv', ohlcvCsv(randomWalkMarket(symbols, 30)), {
      analyst: scriptedAnalyst(
        {
          headline: `${XSS_PAYLOADS.script} rally`,
          summary: `Prices rose. ${XSS_PAYLOADS.img} Visit ${XSS_PAYLOADS.js} now.`,
          highlights: [`<b>bold</b> & "double" 'single'`],
          concerns: [`<a href="${XSS_PAYLOADS.js}">click</a>`],
          // A hedge: a stated direction would have to match the computed one to be kept.
          sentiment: 'mixed',
        },
        XSS_PAYLOADS.img,
      ),
    });
    hostile = renderReport(stored, OPTIONS);
  }, 30_000);

  it('shows symbols, narrative and model name as text, in their exact escaped form', () => {
    const { html } = hostile;
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; rally');
    expect(html).toContain('<td style="background-color:#ffffff;color:#0f172a;font:13px ');
    expect(html).toMatch(/<td[^>]*>&lt;script&gt;alert\(1\)&lt;\/script&gt;<\/td>/);
    expect(html).toMatch(/<td[^>]*>&lt;img src=x onerror=alert\(1\)&gt;<\/td>/);
    expect(html).toMatch(/<td[^>]*>javascript:alert\(1\)<\/td>/);
    expect(html).toContain('Prices rose. &lt;img src=x onerror=alert(1)&gt; Visit javascript:alert(1) now.');
    expect(html).toContain('&lt;b&gt;bold&lt;/b&gt; &amp; &quot;double&quot; &#39;single&#39;');
    expect(html).toContain('&lt;a href=&quot;javascript:alert(1)&quot;&gt;click&lt;/a&gt;');
    expect(html).toContain('Narrative: <span style="color:#0f172a">&lt;img src=x onerror=alert(1)&gt;');
  });

  it('has no script, event handler or javascript: URL in any real tag, outside escaped attribute text', () => {
    for (const tag of tagsOf(hostile.html)) {
      // escapeHtml turns " into &quot;, so a quoted value ends where the renderer ended it.
      const markup = tag.replace(/"[^"]*"/g, '""');
      expect(markup).not.toMatch(/<script|<a\s|<b>|\son\w+=|javascript:/i);
      if (markup.startsWith('<img')) expect(tag).toMatch(/^<img src="cid:chart-\d+@sluice" /);
    }
  });

  it('escapes the symbols in the chart SVGs too, which are XML', () => {
    const svgs = hostile.charts.map((c) => c.svg).join('');
    expect(svgs).toContain('&lt;script&gt;alert(1)&lt;/script&gt; · price');
    expect(svgs).toContain('&lt;img src=x onerror=alert(1)&gt; · price');
    for (const tag of tagsOf(svgs)) expect(tag).not.toMatch(/<script|<img|\son\w+=|javascript:/i);
  });

  it('keeps file names and cids free of data', () => {
    for (const chart of hostile.charts) {
      expect(chart.cid).toMatch(/^chart-\d+@sluice$/);
      expect(chart.filename).toMatch(/^chart-\d+(-[a-z0-9-]+)?\.png$/);
    }
  });
});

describe('renderReport edge cases', () => {
  it('renders a symbol with one bar and a symbol with flat prices without NaN', async () => {
    const flat = Array.from({ length: 30 }, (_, i) => ({
      symbol: 'FLAT',
      datetime: `2024-02-${String(i + 1).padStart(2, '0')}`.replace(/-(3\d)$/, '-29'),
      open: 10,
      high: 10,
      low: 10,
      close: 10,
      volume: 0,
    })).slice(0, 29);
    const one = [
      { symbol: 'ONE', datetime: '2024-02-01', open: 5, high: 6, low: 4, close: 5.5, volume: 100 },
    ];
    const stored = await storedAnalysisOf('inputs/edge.csv', ohlcvCsv([...flat, ...one]));
    const { html, text, charts } = renderReport(stored, OPTIONS);
    for (const out of [html, text, ...charts.map((c) => c.svg)])
      expect(out).not.toMatch(/NaN|Infinity|undefined/);
    expect(charts).toHaveLength(2);
    expect(text).toMatch(/^ONE +5\.50 +— +— +— +— +0$/m);
  });

  it('renders sales and vitals files of one valid row without NaN', async () => {
    const oneSale = await storedAnalysisOf(
      'inputs/one-sale.csv',
      'order_id,date,model,brand,release_year,price,region,customer_review,ram,storage,color\n' +
        'O1,2024-01-01,Pixel 8,Google,2023,699,Europe,,8,128,black\n',
    );
    const oneReading = await storedAnalysisOf(
      'inputs/one-reading.csv',
      'event_time,user_id,heart_rate,spo2,steps,temp_c,systolic_bp,diastolic_bp\n' +
        '2025-09-18T08:06:23Z,u1,72,98,10,36.8,118,76\n',
    );
    for (const stored of [oneSale, oneReading]) {
      const { html, text, charts } = renderReport(stored, OPTIONS);
      for (const out of [html, text, ...charts.map((c) => c.svg)]) {
        expect(out).not.toMatch(/NaN|Infinity|undefined/);
      }
      expect(bytes(html)).toBeLessThan(MAX_HTML_BYTES);
    }
  });

  it('names the failed model and its error code when the narrative fell back to the offline one', async () => {
    const stored = await marketAnalysis({ analyst: failingAnalyst() });
    const { html, text } = renderReport(stored, OPTIONS);
    const expected = 'offline (fallback: ANALYST.RETRIES_EXCEEDED, after amazon.nova-lite-v1:0 failed)';
    expect(html).toContain(expected);
    expect(squash(text)).toContain(squash(`Narrative: ${expected}`));
  });
});

describe('renderReport subject', () => {
  it('fills the template from the analysis and the generation date', () => {
    const { subject } = renderReport(market, {
      ...OPTIONS,
      subjectTemplate: '{date} {dataset} {sentiment}: {headline}',
    });
    expect(subject).toBe(
      `2026-01-05 twelvedata-ohlcv ${market.narrative.sentiment}: ${market.narrative.headline}`,
    );
    expect(reports.market.html).toContain(
      `<title>${subject.replace(/^.*?: /, '[sluice] twelvedata-ohlcv: ')}</title>`,
    );
  });
});
