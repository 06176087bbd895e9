/**
 * `npm run bench`: what a user gets. Every case runs as a whole process, timed
 * from spawn to exit: the built `sluice` CLI (`node bin/sluice.js ingest <file>`,
 * as installed) beside the naive way in the same run on the same machine,
 * reported as ratios with each target met or not. Peak RSS comes from GNU time
 * (`/usr/bin/time`; without it, RSS is not reported). Inputs are generated
 * deterministically into bench/.data (not committed) and reused while their
 * parameters stay the same. `--quick`: a tenth of the sizes, one run each (a
 * smoke check, not figures to quote). `--write-readme`: the tables replace the
 * README's benchmark section. `--compare`: also DuckDB doing the same checks on
 * the ohlcv CSV (bench/compare/, installed there on first use with its own
 * lockfile, so the project's `npm ci` never downloads it). polars is not
 * measured: its native package requires Node 22 and npm skips it on Node 20.
 */
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import { build } from 'esbuild';
import { buildCli } from '../scripts/build-cli.js';
import { writeReadmeSection } from '../scripts/readme-section.js';
import {
  generateHealthVitals,
  generateOhlcvCsv,
  generateSmartphoneSales,
} from '../src/samples/csv.generators.js';
import { generateTwelveData } from '../src/samples/twelvedata.generator.js';
import { runAnalyticsBench } from './analytics.bench.js';
import { runBundlesBench } from './bundles.bench.js';
import { runContractBench } from './contract.bench.js';

const DATA = path.resolve('bench/.data');
const BIN = path.resolve('bin/sluice.js');
const GNU_TIME = '/usr/bin/time';
const COMPARE = path.resolve('bench/compare');
const quick = process.argv.includes('--quick');
const compare = process.argv.includes('--compare');
const SCALE = quick ? 0.1 : 1;
const RUNS = quick ? 1 : 3;

/** One process: wall time from spawn to exit, and its peak resident set. */
interface ProcessRun {
  readonly ms: number;
  /** NaN without GNU time. */
  readonly peakRssMb: number;
}

interface Row {
  readonly case: string;
  readonly records: number;
  readonly sizeMb: number;
  readonly run: ProcessRun;
}

async function writeGenerated(name: string, chunks: AsyncIterable<string>): Promise<string> {
  const file = path.join(DATA, name);
  if (existsSync(file)) return file;
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  for await (const chunk of chunks) {
    if (!out.write(chunk)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await finished(out);
  await rename(partial, file);
  return file;
}

async function bundleWorkers(): Promise<void> {
  await build({
    entryPoints: ['naive-json', 'naive-csv'].map((w) => `bench/workers/${w}.ts`),
    outdir: path.join(DATA, 'workers'),
    outExtension: { '.js': '.mjs' },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
}

const hasGnuTime = existsSync(GNU_TIME);

/** Runs `node <args>` in `cwd`; throws with its stderr when it exits non-zero. */
async function timeProcess(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ run: ProcessRun; stdout: string }> {
  const rssFile = path.join(cwd, '.peak-rss');
  const [command, argv] = hasGnuTime
    ? [GNU_TIME, ['-f', '%M', '-o', rssFile, process.execPath, ...args]]
    : [process.execPath, [...args]];
  // What the previous process left to write back would otherwise be flushed
  // during this one, and sluice's fsyncs would wait behind it.
  spawnSync('sync');
  const started = performance.now();
  const child = spawnSync(command, argv, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const ms = performance.now() - started;
  if (child.status !== 0) {
    const stderr = child.stderr ?? '';
    throw new Error(
      /heap out of memory|Invalid string length|ERR_STRING_TOO_LONG/.test(stderr)
        ? 'ran out of memory'
        : `failed (${child.status}): ${stderr.split('\n').find((l) => /error/i.test(l)) ?? stderr.slice(0, 300)}`,
    );
  }
  const peakRssMb = hasGnuTime
    ? Number((await readFile(rssFile, 'utf8')).trim().split('\n').pop()) / 1024
    : Number.NaN;
  return { run: { ms, peakRssMb }, stdout: child.stdout };
}

/** The median by wall time of `runs` fresh processes, each in a fresh directory. */
async function median(
  runs: number,
  once: (dir: string) => Promise<{ run: ProcessRun; records: number }>,
): Promise<{ run: ProcessRun; records: number }> {
  const results: Array<{ run: ProcessRun; records: number }> = [];
  for (let i = 0; i < runs; i++) {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-bench-'));
    try {
      results.push(await once(dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return [...results].sort((a, b) => a.run.ms - b.run.ms)[
    Math.floor(results.length / 2)
  ] as (typeof results)[0];
}

/** The naive way: a bundled worker (bench/workers/) in its own process. */
const naive = (worker: string, file: string, ...extra: string[]) =>
  median(RUNS, async (dir) => {
    const { run, stdout } = await timeProcess(
      [path.join(DATA, 'workers', `${worker}.mjs`), file, dir, ...extra],
      dir,
    );
    const report = JSON.parse(stdout.trim().split('\n').pop() as string) as { records: number };
    return { run, records: report.records };
  });

/** `sluice ingest <file> --json` through the built CLI, as a user runs it. */
const sluiceIngest = (file: string, runs = RUNS, env: NodeJS.ProcessEnv = process.env) =>
  median(runs, async (dir) => {
    const { run, stdout } = await timeProcess(
      [BIN, 'ingest', file, '--json', '--data-dir', path.join(dir, 'data')],
      dir,
      env,
    );
    const manifest = JSON.parse(stdout) as { status: string; counts: { total: number }; reason?: unknown };
    if (manifest.status !== 'ingested')
      throw new Error(`bench input refused: ${JSON.stringify(manifest.reason)}`);
    return { run, records: manifest.counts.total };
  });

const fmt = (n: number, digits = 0) =>
  Number.isNaN(n)
    ? '-'
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

function line(row: Row): string {
  const seconds = row.run.ms / 1000;
  return `| ${row.case} | ${fmt(row.records)} | ${fmt(row.sizeMb)} | ${fmt(seconds, 2)} | ${fmt(row.records / seconds)} | ${fmt(row.sizeMb / seconds, 1)} | ${fmt(row.run.peakRssMb)} |`;
}

async function main(): Promise<void> {
  await mkdir(DATA, { recursive: true });
  // Always the CLI of these sources: a stale dist/ must never be measured.
  await buildCli();
  await bundleWorkers();
  const symbols = Math.round(500 * SCALE);
  const td1 = await writeGenerated(
    `twelvedata-${symbols}x2000.json`,
    generateTwelveData({ symbols, valuesPerSymbol: 2000, badRatio: 0.02, seed: 42 }),
  );
  const td10 = await writeGenerated(
    `twelvedata-${symbols * 10}x2000.json`,
    generateTwelveData({ symbols: symbols * 10, valuesPerSymbol: 2000, badRatio: 0.02, seed: 43 }),
  );
  const csvRows = Math.round(1_000_000 * SCALE);
  const vitals = await writeGenerated(
    `health-vitals-${csvRows}.csv`,
    generateHealthVitals({ rows: csvRows, users: 200, badRatio: 0.02, seed: 7 }),
  );
  const ohlcv = await writeGenerated(
    `ohlcv-${csvRows}.csv`,
    generateOhlcvCsv({ rows: csvRows, symbols: symbols, badRatio: 0.02, seed: 11 }),
  );
  const salesRows = Math.round(500_000 * SCALE);
  const sales = await writeGenerated(
    `smartphone-sales-${salesRows}.csv`,
    generateSmartphoneSales({ rows: salesRows, badRatio: 0.02, seed: 5 }),
  );
  // The real export a user first tries `sluice run` on (README: examples/).
  const salesSample = path.resolve('examples/sales.csv');
  const mb = async (f: string) => (await stat(f)).size / 1e6;

  const results: Record<string, unknown> = {};
  const out: string[] = [];
  const print = (text: string) => {
    console.log(text);
    out.push(text);
  };
  const measure = async (
    name: string,
    file: string,
    work: () => Promise<{ run: ProcessRun; records: number }>,
  ): Promise<ProcessRun | undefined> => {
    try {
      const { run, records } = await work();
      const row = { case: name, records, sizeMb: await mb(file), run };

      results[name] = { ...run, records, sizeMb: row.sizeMb };
      print(line(row));
      return run;
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      print(`| ${name} | ${why} |`);
      results[name] = why;
      return undefined;
    }
  };

  print(
    `| case (whole process, median of ${RUNS}${quick ? '' : '; x10 once'}) | records | MB | s | records/s | MB/s | peak RSS MB |`,
  );
  print('|---|---:|---:|---:|---:|---:|---:|');
  const naiveJson = await measure('naive JSON.parse, Twelve Data', td1, () => naive('naive-json', td1));
  const sluiceJson = await measure('**sluice ingest, Twelve Data**', td1, () => sluiceIngest(td1));
  const sluiceJson10 = await measure('**sluice ingest, Twelve Data ×10**', td10, () =>
    // 1.2 GB: over the default 512 MiB input limit, which is a setting, not a bound of the reader.
    sluiceIngest(td10, 1, { ...process.env, SLUICE_MAX_BYTES: String(4 * 1024 ** 3) }),
  );
  const naiveOhlcv = await measure('naive split lines, ohlcv CSV', ohlcv, () =>
    naive('naive-csv', ohlcv, 'ohlcv-csv'),
  );
  const sluiceOhlcv = await measure('**sluice ingest, ohlcv CSV**', ohlcv, () => sluiceIngest(ohlcv));
  const duckdbOhlcv = compare
    ? await measure('DuckDB read_csv + the same checks, ohlcv CSV', ohlcv, async () => {
        if (!existsSync(path.join(COMPARE, 'node_modules'))) {
          spawnSync('npm', ['ci', '--prefix', COMPARE, '--no-audit', '--no-fund'], { stdio: 'inherit' });
        }
        return median(RUNS, async (dir) => {
          const { run, stdout } = await timeProcess(
            [path.join(COMPARE, 'duckdb-ohlcv.mjs'), ohlcv, dir],
            dir,
          );
          return { run, records: (JSON.parse(stdout.trim()) as { records: number }).records };
        });
      })
    : undefined;
  const naiveVitals = await measure('naive split lines, health vitals CSV', vitals, () =>
    naive('naive-csv', vitals, 'health-vitals'),
  );
  const sluiceVitals = await measure('**sluice ingest, health vitals CSV**', vitals, () =>
    sluiceIngest(vitals),
  );
  const naiveSales = await measure(
    'naive split lines, smartphone sales CSV (mis-splits quoted reviews)',
    sales,
    () => naive('naive-csv', sales, 'smartphone-sales'),
  );
  const sluiceSales = await measure('**sluice ingest, smartphone sales CSV**', sales, () =>
    sluiceIngest(sales),
  );

  // Start-up: what every command pays before it does anything.
  const startup = async (args: string[]) =>
    median(quick ? 3 : 5, async (dir) => ({ run: (await timeProcess(args, dir)).run, records: 0 }));
  const bare = (await startup(['-e', '0'])).run;
  const help = (await startup([BIN, '--help'])).run;
  const runSales = (
    await median(RUNS, async (dir) => ({
      run: (await timeProcess([BIN, 'run', salesSample, '--data-dir', path.join(dir, 'data')], dir)).run,
      records: 0,
    }))
  ).run;
  print('');
  print('| process | s | peak RSS MB |');
  print('|---|---:|---:|');
  print(`| \`node -e 0\` | ${fmt(bare.ms / 1000, 2)} | ${fmt(bare.peakRssMb)} |`);
  print(`| \`sluice --help\` | ${fmt(help.ms / 1000, 2)} | ${fmt(help.peakRssMb)} |`);
  print(
    `| \`sluice run examples/sales.csv\` (the seed export), report to the outbox | ${fmt(runSales.ms / 1000, 2)} | ${fmt(runSales.peakRssMb)} |`,
  );
  results.startup = { bare, help, runSales };

  const bundles = await runBundlesBench();
  print('');
  print('| handler bundle | KiB at cold start | cold-start import ms |');
  print('|---|---:|---:|');
  for (const b of bundles) print(`| ${b.handler} | ${fmt(b.bytes / 1024)} | ${fmt(b.coldStartMs)} |`);
  results.bundles = bundles;

  const analytics = await runAnalyticsBench();
  print('');
  print(`analytics: ${analytics.symbols} symbols × ${analytics.bars} bars in ${fmt(analytics.ms)} ms`);
  results.analytics = analytics;

  const contract = await runContractBench(csvRows);
  print(
    `contract-driven health-vitals ingest, ${fmt(contract.rows)} rows in one process: compiled contract file ${fmt(contract.compiledMs)} ms, the hand-written validator it replaced ${fmt(contract.handWrittenMs)} ms`,
  );
  results.contract = contract;

  const speedup = (sluice?: ProcessRun, baseline?: ProcessRun) =>
    sluice && baseline ? baseline.ms / sluice.ms : Number.NaN;
  const rss = (run?: ProcessRun) => run?.peakRssMb ?? Number.NaN;
  const atLeast = (target: number) => (v: number) => v >= target;
  const atMost = (target: number) => (v: number) => v <= target;
  const bars = fmt(symbols * 2000);
  const bars10 = fmt(symbols * 20_000);
  const rowsLabel = fmt(csvRows);
  const targets: ReadonlyArray<readonly [string, number, (v: number) => boolean, string]> = [
    ['`sluice --help` vs `node -e 0`, ≤ 3×', help.ms / bare.ms, atMost(3), '×'],
    ['`sluice --help` peak RSS < 80 MB', help.peakRssMb, (v) => v < 80, ' MB'],
    [`Twelve Data ${bars} bars vs naive, ≥ 3×`, speedup(sluiceJson, naiveJson), atLeast(3), '×'],
    [`Twelve Data ${bars} bars peak RSS ≤ 150 MB`, rss(sluiceJson), atMost(150), ' MB'],
    [`Twelve Data ${bars10} bars peak RSS ≤ 150 MB`, rss(sluiceJson10), atMost(150), ' MB'],
    [`ohlcv CSV ${rowsLabel} rows vs naive, ≥ 4×`, speedup(sluiceOhlcv, naiveOhlcv), atLeast(4), '×'],
    [`ohlcv CSV ${rowsLabel} rows peak RSS ≤ 150 MB`, rss(sluiceOhlcv), atMost(150), ' MB'],
    ...(compare
      ? [
          [
            `ohlcv CSV ${rowsLabel} rows vs DuckDB (reported)`,
            speedup(sluiceOhlcv, duckdbOhlcv),
            () => true,
            '×',
          ] as const,
        ]
      : []),
    ['health vitals CSV vs naive, ≥ 4×', speedup(sluiceVitals, naiveVitals), atLeast(4), '×'],
    ['health vitals CSV peak RSS ≤ 150 MB', rss(sluiceVitals), atMost(150), ' MB'],
    ['smartphone sales CSV vs naive, ≥ 4×', speedup(sluiceSales, naiveSales), atLeast(4), '×'],
    ['smartphone sales CSV peak RSS ≤ 150 MB', rss(sluiceSales), atMost(150), ' MB'],
    ['compiled vitals contract vs hand-written, within 10 % (≥ 0.9×)', contract.ratio, atLeast(0.9), '×'],
    ['`sluice run examples/sales.csv`, < 1.5 s', runSales.ms / 1000, (v) => v < 1.5, ' s'],
    ['analytics, 500 symbols × 2000 bars, < 1000 ms', analytics.ms, (v) => v < 1000, ' ms'],
    [
      'largest handler bundle < 1024 KiB',
      Math.max(...bundles.map((b) => b.bytes)) / 1024,
      (v) => v < 1024,
      ' KiB',
    ],
    [
      'slowest handler cold-start import < 300 ms',
      Math.max(...bundles.map((b) => b.coldStartMs)),
      (v) => v < 300,
      ' ms',
    ],
  ];
  print('');
  print('| target | measured | met |');
  print('|---|---:|:---:|');
  for (const [name, value, ok, unit] of targets) {
    const met = name.endsWith('(reported)')
      ? '-'
      : Number.isNaN(value)
        ? 'not measured'
        : ok(value)
          ? 'met'
          : '**not met**';
    print(`| ${name} | ${fmt(value, 2)}${Number.isNaN(value) ? '' : unit} | ${met} |`);
    results[name] = { value, met: ok(value) };
  }
  const machine = `${os.cpus().length} × ${os.cpus()[0]?.model.trim() ?? 'cpu'}, node ${process.version}${quick ? ', --quick: a tenth of the sizes, one run each' : ''}`;
  print('');
  print(`(machine: ${machine}${hasGnuTime ? '' : '; no /usr/bin/time, so no RSS'})`);
  await writeFile(path.join(DATA, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  console.log('results in bench/.data/results.json');
  if (process.argv.includes('--write-readme')) {
    writeReadmeSection('bench', out.join('\n'));
    console.log('README.md benchmark section rewritten');
  }
  if (targets.some(([, value, ok]) => !ok(value))) process.exitCode = 1;
}

await main();
