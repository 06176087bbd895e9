/** `sluice demo` (`npm start`): the pipeline on a generated Twelve Data sample, no account needed. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AnalyzeResult } from '../../core/analyze/stage.js';
import { loadAnalysis } from '../../core/analyze/stored-analysis.js';
import { twelveDataSample } from '../../samples/twelvedata.generator.js';
import type { LocalConfig } from '../config.js';
import type { LocalPorts } from '../local-ports.js';
import { wireLocalPipeline } from '../pipeline.js';
import { describeAnalysis } from './analyze.js';
import { type CliIo, ingestFiles, reportIngest } from './ingest.js';

export const SAMPLE_KEY = 'inputs/samples/twelvedata-sample.json';

export async function runDemo(ports: LocalPorts, config: LocalConfig, io: CliIo): Promise<number> {
  const file = path.join(ports.dataDir, SAMPLE_KEY);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, twelveDataSample());
  io.stdout.write(`sluice demo: generated a Twelve Data sample at ${file}\n\n`);
  const pipeline = wireLocalPipeline(ports, config);
  const results = await ingestFiles(ports, config, [file], {}, io);
  const exit = reportIngest(ports, results, false, io);
  await ports.bus.drain();
  const manifest = results[0]?.result.manifest;
  const analyzed =
    manifest && (pipeline.analyses.get(manifest.id) ?? (await storedResult(ports, manifest.id)));
  if (analyzed?.analysis) {
    io.stdout.write(
      `\n${describeAnalysis(analyzed.analysis, analyzed.outcome === 'duplicate', ports.dataDir)}\n`,
    );
  }
  const events = ports.bus.published.map((e) => `${e.source} / ${e.detailType}`);
  io.stdout.write(
    `\nevents published: ${events.length > 0 ? events.join(', ') : 'none (already processed)'}\n`,
  );
  return exit;
}

async function storedResult(ports: LocalPorts, id: string): Promise<AnalyzeResult | undefined> {
  const analysis = await loadAnalysis(ports.state, id);
  return analysis ? { outcome: 'duplicate', analysis } : undefined;
}
