import { writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { manySymbolsAnalysis, marketAnalysis, salesAnalysis, vitalsAnalysis } from '../helpers/analysis-fixtures.js';
it('peek', async () => {
  let t = Date.now();
  writeFileSync('/tmp/nf/market.json', JSON.stringify(await marketAnalysis(), null, 1));
  console.log('market', Date.now() - t); t = Date.now();
  writeFileSync('/tmp/nf/sales.json', JSON.stringify(await salesAnalysis(), null, 1));
  console.log('sales', Date.now() - t); t = Date.now();
  writeFileSync('/tmp/nf/vitals.json', JSON.stringify(await vitalsAnalysis(), null, 1));
  console.log('vitals', Date.now() - t); t = Date.now();
  const many = await manySymbolsAnalysis(500);
  writeFileSync('/tmp/nf/many.json', JSON.stringify(many));
  console.log('many', Date.now() - t);
}, 120000);
