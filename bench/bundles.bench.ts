/**
 * Lambda bundles: size of each handler's index.mjs and its cold-start import
 * time in a fresh `node` process (targets: under 1 MiB, under 300 ms). The
 * import runs the handler module's top level, as Lambda's init phase does:
 * configuration, observability, nothing that calls AWS. The figure is the
 * median of five processes. Bundles are built fresh into bench/.data so a stale
 * dist/ never gets measured. Run alone with `npx tsx bench/bundles.bench.ts`
 * (`--sdk external` measures bundles that leave `@aws-sdk/*` to the runtime).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { BUNDLE_LIMIT_BYTES, type BuildHandlersOptions, buildHandlers } from '../scripts/build.js';
import type { HandlerName } from '../src/handlers/env.js';

export const COLD_START_TARGET_MS = 300;
export { BUNDLE_LIMIT_BYTES };

const RUNS = 5;

export interface BundleBenchRow {
  readonly handler: HandlerName;
  /** Size of index.mjs; external native modules and the source map not counted. */
  readonly bytes: number;
  /** Median time to `import()` the bundle in a new process, in milliseconds. */
  readonly coldStartMs: number;
}

/** What the handlers read at import, with values that never reach AWS. */
const DUMMY_ENV = {
  SLUICE_BUCKET: 'sluice-bench',
  SLUICE_TABLE: 'sluice-bench',
  SLUICE_EVENT_BUS: 'sluice-bench',
  SLUICE_MAIL_FROM: 'reports@example.com',
  SLUICE_MAIL_TO: 'ops@example.com',
  SLUICE_TWELVEDATA_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:sluice-bench',
  AWS_REGION: 'us-east-1',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

const run = promisify(execFile);

async function importMs(file: string): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(performance.now() - t);`;
  // Only PATH from this process: no stray credentials or endpoints.
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    env: { PATH: process.env.PATH, ...DUMMY_ENV },
  });
  const ms = Number(stdout.trim().split('\n').pop());
  if (!Number.isFinite(ms)) throw new Error(`importing ${file} printed ${JSON.stringify(stdout)}`);
  return ms;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

export async function runBundlesBench(
  options: Pick<BuildHandlersOptions, 'sdk'> = {},
): Promise<Array<BundleBenchRow>> {
  const bundles = await buildHandlers({ ...options, outdir: path.resolve('bench/.data/handlers') });
  const rows: BundleBenchRow[] = [];
  // One process at a time: parallel imports would measure contention, not start-up.
  for (const { name, file, bytes } of bundles) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push(await importMs(file));
    rows.push({ handler: name, bytes, coldStartMs: median(times) });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const sdk = process.argv.includes('--sdk') ? process.argv[process.argv.indexOf('--sdk') + 1] : 'bundled';
  if (sdk !== 'bundled' && sdk !== 'external')
    throw new Error(`--sdk must be bundled or external (given ${sdk})`);
  console.log(
    `handler bundles (AWS SDK ${sdk}); targets: < ${BUNDLE_LIMIT_BYTES / 1024} KiB, < ${COLD_START_TARGET_MS} ms`,
  );
  for (const { handler, bytes, coldStartMs } of await runBundlesBench({ sdk })) {
    const flags = [
      bytes > BUNDLE_LIMIT_BYTES ? 'over size' : '',
      coldStartMs > COLD_START_TARGET_MS ? 'slow start' : '',
    ].filter(Boolean);
    console.log(
      `${handler.padEnd(11)} ${`${(bytes / 1024).toFixed(1)} KiB`.padStart(12)} ${`${coldStartMs.toFixed(0)} ms`.padStart(8)}  ${flags.join(', ')}`,
    );
  }
}
