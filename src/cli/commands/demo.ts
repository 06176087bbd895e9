/** `sluice demo` (`npm start`): the whole pipeline on a generated Twelve Data sample, no account needed. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { LocalConfig } from '../../local/config.js';
import type { LocalPorts } from '../../local/local-ports.js';
import { twelveDataSampleWithTruth } from '../../samples/twelvedata.generator.js';
import type { CliIo } from '../io.js';
import { runPipeline } from './run.js';

export const SAMPLE_KEY = 'inputs/samples/twelvedata-sample.json';

export async function runDemo(ports: LocalPorts, config: LocalConfig, io: CliIo): Promise<number> {
  const file = path.join(ports.dataDir, SAMPLE_KEY);
  await mkdir(path.dirname(file), { recursive: true });
  const sample = twelveDataSampleWithTruth();
  await writeFile(file, sample.text);
  // Beside the data dir's inputs, not in them: a JSON file under inputs/ would be ingested as data.
  const truth = path.join(ports.dataDir, 'samples', 'twelvedata-sample.truth.json');
  await mkdir(path.dirname(truth), { recursive: true });
  await writeFile(truth, `${JSON.stringify(sample.truth, null, 2)}\n`);
  io.stdout.write(`sluice demo: generated a Twelve Data sample at ${file} (planted events in ${truth})\n\n`);
  return runPipeline(ports, config, file, {}, io);
}
