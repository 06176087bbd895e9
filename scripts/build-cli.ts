/**
 * Builds the `sluice` CLI into dist/cli/ (bin/sluice.js runs it): `npm ci` runs
 * this as `prepare`, vitest's global setup before the tests that spawn the CLI,
 * and `npm run build` with the Lambda bundles. Why a build step rather than tsx at
 * run time: docs/architecture.md, "The built CLI".
 *
 * Each command's module is behind `import()` in the command table, so with code
 * splitting it becomes its own chunk and `sluice --help` loads the entry alone.
 * Dependencies stay external: the CLI runs from an npm install that has them, and
 * the heavy ones (AWS SDK, libsql, resvg, nodemailer) load with the chunk that uses them.
 */
import { cp, mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export const CLI_OUTDIR = 'dist/cli';

/**
 * Left to node_modules: native modules (a .node binary cannot be bundled), the
 * AWS SDK (large, and loaded only for Bedrock, S3 or SES), and packages found by
 * their path at run time (fonts, the chart library the dashboard serves).
 * Everything else is bundled: node compiles one chunk faster than the hundreds
 * of files zod alone spreads over.
 */
const EXTERNAL = [
  '@libsql/*',
  'libsql',
  '@resvg/resvg-js',
  '@aws-sdk/*',
  '@smithy/*',
  'chokidar',
  'lightweight-charts',
  '@expo-google-fonts/*',
];

/** Bundled CommonJS calls `require` for node builtins, which ESM does not define. */
const REQUIRE_SHIM = [
  "import { createRequire as __sluiceCreateRequire } from 'node:module';",
  'const require = __sluiceCreateRequire(import.meta.url);',
].join('\n');
export const CLI_ENTRY = `${CLI_OUTDIR}/sluice.mjs`;

export interface CliBuild {
  /** Output files by path, with their size and what each imports. */
  readonly outputs: Record<
    string,
    { bytes: number; imports: Array<{ path: string; kind: string; external?: boolean }> }
  >;
}

/**
 * Files are written beside their final name and renamed over it, so a CLI another
 * process starts meanwhile (two vitest runs) never reads a half-written entry.
 * Chunk names carry a content hash: a rebuild of unchanged sources rewrites nothing it removes.
 */
export async function buildCli(root = process.cwd()): Promise<CliBuild> {
  const outdir = path.join(root, CLI_OUTDIR);
  const result = await build({
    absWorkingDir: root,
    entryPoints: { sluice: 'src/cli/main.ts' },
    outdir,
    outExtension: { '.js': '.mjs' },
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    splitting: true,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'linked',
    external: EXTERNAL,
    banner: { js: REQUIRE_SHIM },
    mainFields: ['module', 'main'],
    metafile: true,
    write: false,
    logLevel: 'warning',
  });
  await mkdir(outdir, { recursive: true });
  const written = new Set<string>();
  for (const file of result.outputFiles) {
    const temp = `${file.path}.${process.pid}.tmp`;
    await writeFile(temp, file.contents);
    await rename(temp, file.path);
    written.add(path.basename(file.path));
  }
  // Which sources each chunk holds: test/cli/lazy-loading.test.ts reads it.
  await writeFile(path.join(outdir, 'meta.json'), JSON.stringify(result.metafile));
  written.add('meta.json');
  for (const name of await readdir(outdir)) {
    if (!written.has(name) && !name.endsWith('.tmp')) await rm(path.join(outdir, name), { force: true });
  }
  // The dashboard's static files, found beside the chunks as src/dev finds them beside src/web.
  await cp(path.join(root, 'src/web'), path.join(root, 'dist/web'), { recursive: true, force: true });
  return { outputs: result.metafile.outputs };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { outputs } = await buildCli();
  const entry = outputs[CLI_ENTRY];
  console.log(
    `${CLI_ENTRY}  ${((entry?.bytes ?? 0) / 1024).toFixed(1)} KiB, ${Object.keys(outputs).length} files`,
  );
}
