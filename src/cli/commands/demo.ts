/** `sluice demo` (`npm start`): the whole pipeline on a generated Twelve Data sample, no account needed. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { twelveDataSample } from '../../samples/twelvedata.generator.js';
import type { LocalConfig } from '../config.js';
import type { LocalPorts } from '../local-ports.js';
import type { CliIo } from './ingest.js';
import { runPipeline } from './run.js';

export const SAMPLE_KEY = 'inputs/samples/twelvedata-sample.json';

export async function runDemo(ports: LocalPorts, config: LocalConfig, io: CliIo): Promise<number> {
  const file = path.join(ports.dataDir, SAMPLE_KEY);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, twelveDataSample());
  io.stdout.write(`sluice demo: generated a Twelve Data sample at ${file}\n\n`);
  return runPipeline(ports, config, file, {}, io);
}
