/**
 * `sluice analyze <file> --json` prints the stored analysis with top-level
 * findings and narrative v2, written offline or by an OpenAI-compatible
 * server; what that server invents is dropped before it is stored.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeRows } from '../../src/core/analyze/analysis.js';
import { factsForPrompt } from '../../src/core/analyze/facts.js';
import { analysisFindings, type Finding } from '../../src/core/analyze/findings/index.js';
import { INVENTED_ITEMS, inventedAnswer } from '../../src/samples/planted/invented-answer.js';
import { plantedMarket, plantedMarketJson } from '../../src/samples/planted/market.js';
import { matches } from '../../src/samples/planted/score.js';
import { chat, type ScriptedServer, startOpenAiServer } from '../helpers/openai-server.js';

const BIN = path.resolve('bin/sluice.js');

function sluice(args: string[], cwd: string, env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, SLUICE_LOG_LEVEL: 'error', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Printed {
  findings: Finding[];
  narrative: {
    recommendations: Array<{ findings: string[]; priority: string; action: string }>;
    insights: Array<{ facts: string[] }>;
    symbols: Array<{ symbol: string }>;
  };
  analyst: { model: string; grounding?: { dropped: number } };
}

describe('sluice analyze --json on a planted market file', () => {
  const market = plantedMarket({ seed: 8, symbols: 3, bars: 160 });
  let dir: string;
  let server: ScriptedServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-analyze-'));
    await writeFile(path.join(dir, 'planted.json'), plantedMarketJson(market));
    server = await startOpenAiServer();
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints findings for every planted event and recommendations that cite each of them', async () => {
    const run = await sluice(['analyze', 'planted.json', '--json', '--data-dir', 'offline'], dir);
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as Printed;
    const cited = new Set(printed.narrative.recommendations.flatMap((r) => r.findings));
    for (const event of market.truth.events) {
      const finding = printed.findings.find((f) => matches(f, event));
      expect(finding, `${event.kind} ${event.subject} ${event.at}`).toMatchObject({
        severity: event.severity,
      });
      expect(cited.has(finding?.id as string), `${event.kind} ${event.subject}`).toBe(true);
    }
    expect(printed.narrative.symbols.map((s) => s.symbol)).toEqual(['AAPL', 'MSFT', 'NVDA']);
    expect(printed.narrative.insights.length).toBeGreaterThan(0);
    expect(printed.analyst.model).toBe('offline');
  });

  it('stores what an OpenAI-compatible model wrote, without the items it invented', async () => {
    const analysis = analyzeRows('twelvedata-ohlcv', market.rows);
    const found = analysisFindings(analysis, {
      name: 'inputs/planted.json',
      ingest: { total: 0, rejected: 0, reasons: {} },
      fallbackAt: '',
    });
    server.enqueue(chat.toolCall(inventedAnswer(factsForPrompt(analysis, found))));
    const run = await sluice(['analyze', 'planted.json', '--json', '--data-dir', 'model'], dir, {
      SLUICE_ANALYST: 'openai',
      SLUICE_OPENAI_BASE_URL: `${server.url}/v1`,
      SLUICE_OPENAI_MODEL: 'llama3.1:8b',
    });
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout) as Printed;
    expect(printed.analyst).toMatchObject({
      model: 'llama3.1:8b',
      grounding: { dropped: INVENTED_ITEMS.mixed },
    });
    // The dropped items are named in analyst.grounding, never in the narrative.
    expect(JSON.stringify(printed.narrative)).not.toMatch(/NVDA|913\.7|Fdeadbeef|breadth\.score/);
    const ids = new Set(printed.findings.map((f) => f.id));
    expect(printed.narrative.recommendations.length).toBeGreaterThan(0);
    for (const r of printed.narrative.recommendations)
      for (const id of r.findings) expect(ids.has(id)).toBe(true);
    expect(printed.narrative.symbols.map((s) => s.symbol)).toEqual(['AAPL']);
  });
});
