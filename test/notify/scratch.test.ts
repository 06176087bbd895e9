import { writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { ResvgRasterizer } from '../../src/adapters/local/chart-rasterizer.resvg.js';
import { renderReport } from '../../src/core/notify/index.js';
import { manySymbolsAnalysis, marketAnalysis, salesAnalysis, vitalsAnalysis } from '../helpers/analysis-fixtures.js';
it('sizes', async () => {
  const inter = new ResvgRasterizer({ fontFiles: ['/tmp/fontpeek/package/400Regular/Inter_400Regular.ttf', '/tmp/fontpeek/package/700Bold/Inter_700Bold.ttf'] });
  const system = new ResvgRasterizer();
  for (const [name, make] of [['market', marketAnalysis], ['sales', salesAnalysis], ['vitals', vitalsAnalysis], ['500 symbols', () => manySymbolsAnalysis(500)]] as const) {
    const r = renderReport(await make(), { generatedAt: '2026-01-05T10:01:00.000Z', subjectTemplate: '{headline}' });
    let t = Date.now();
    const a = r.charts.map((c) => inter.toPng(c.svg).length); const ta = Date.now() - t; t = Date.now();
    const b = r.charts.map((c) => system.toPng(c.svg).length); const tb = Date.now() - t;
    console.log(name, 'html', Buffer.byteLength(r.html), 'text', r.text.length, 'charts', r.charts.length, 'inter max/avg', Math.max(...a), Math.round(a.reduce((x, y) => x + y) / a.length), ta, 'ms', 'system max/avg', Math.max(...b), Math.round(b.reduce((x, y) => x + y) / b.length), tb, 'ms');
    if (name === 'market') writeFileSync('/tmp/nf/inter-chart.png', inter.toPng(r.charts[0]!.svg));
  }
}, 60000);
