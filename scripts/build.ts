/**
 * `npm run build`: type-checks, builds the CLI into dist/cli/ (scripts/build-cli.ts)
 * and bundles each Lambda handler into dist/handlers/<name>/ (see docs/bundles.md).
 * `buildHandlers()` is exported so tests and the bench can build without the
 * type-check.
 */
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { BUNDLED_FONT } from '../src/adapters/local/chart-rasterizer.resvg.js';
import type { HandlerName } from '../src/handlers/env.js';
import { buildCli, CLI_ENTRY } from './build-cli.js';

export const HANDLERS = [
  'ingest',
  'api-ingest',
  'analyze',
  'notify',
  'aggregate',
  'fetch',
] as const satisfies readonly HandlerName[];

/** Budget per handler bundle, external native modules not counted. */
export const BUNDLE_LIMIT_BYTES = 1024 * 1024;

/** A .node binary cannot be bundled: the deployment installs it for the Lambda architecture. */
const NATIVE = '@resvg/resvg-js';

/**
 * CommonJS dependencies bundled into ESM call `require` for node builtins, which
 * ESM does not define. The alias keeps the name free for the bundle's own code.
 */
const REQUIRE_SHIM = [
  "import { createRequire as __sluiceCreateRequire } from 'node:module';",
  'const require = __sluiceCreateRequire(import.meta.url);',
].join('\n');

/**
 * zod's `z` and `core` namespaces re-export every locale (about 250 KiB
 * minified) and, being used as values, cannot be tree-shaken. sluice uses only
 * the English messages, which zod imports directly, so the index keeps just `en`.
 */
const zodEnglishOnly: Plugin = {
  name: 'zod-english-only',
  setup(plugin) {
    plugin.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]v4[\\/](classic|core)[\\/]/.test(args.importer)
        ? { path: path.join(args.resolveDir, '../locales/index.js'), namespace: 'zod-locales' }
        : undefined,
    );
    plugin.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: path.dirname(args.path),
      loader: 'js',
    }));
  },
};

/**
 * runtime.ts imports the rasterizer for every handler, but only notify builds
 * one. The others get a stand-in, so they load without the native module
 * installed (and without paying for its dlopen at cold start).
 */
const nativeOnlyInNotify: Plugin = {
  name: 'native-only-in-notify',
  setup(plugin) {
    plugin.onResolve({ filter: new RegExp(`^${NATIVE}$`) }, () => ({ path: NATIVE, namespace: 'absent' }));
    plugin.onLoad({ filter: /.*/, namespace: 'absent' }, () => ({
      contents: `export class Resvg { constructor() { throw new Error('${NATIVE} is packaged with the notify handler only'); } }`,
      loader: 'js',
    }));
  },
};

export interface BuildHandlersOptions {
  /** @default 'dist/handlers' */
  readonly outdir?: string;
  /**
   * 'bundled' pins and tree-shakes AWS SDK v3 into each bundle; 'external' leaves
   * `@aws-sdk/*` to the Lambda runtime's copy. Measured in docs/bundles.md.
   * @default 'bundled'
   */
  readonly sdk?: 'bundled' | 'external';
}

export interface HandlerBundle {
  readonly name: HandlerName;
  /** The bundle's directory, the Lambda asset. */
  readonly dir: string;
  /** `<dir>/index.mjs` */
  readonly file: string;
  /**
   * What a cold start loads: index.mjs and the chunks it imports statically.
   * Chunks behind `import()` (Bedrock, nodemailer and SES, the rasterizer) load
   * only in the invocation that needs them. Source maps and externals not counted.
   */
  readonly bytes: number;
  /** Every .mjs file of the asset. */
  readonly totalBytes: number;
}

type Metafile = {
  outputs: Record<string, { bytes: number; imports: Array<{ path: string; kind: string }> }>;
};

/** Bytes of `entry` and every output it reaches through static imports. */
function staticClosureBytes(metafile: Metafile, entry: string): number {
  const seen = new Set<string>();
  const visit = (file: string): number => {
    const output = metafile.outputs[file];
    if (seen.has(file) || output === undefined) return 0;
    seen.add(file);
    return (
      output.bytes +
      output.imports.filter((i) => i.kind === 'import-statement').reduce((sum, i) => sum + visit(i.path), 0)
    );
  };
  return visit(entry);
}

const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { dependencies: Record<string, string> };

async function packageNotify(dir: string): Promise<void> {
  // Only the native module is installed next to the bundle; the deployment targets linux-arm64.
  const manifest = {
    name: 'sluice-notify',
    private: true,
    type: 'module',
    main: 'index.mjs',
    dependencies: { [NATIVE]: pkg.dependencies[NATIVE] },
  };
  await writeFile(path.join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const fonts = path.join(dir, 'fonts');
  await mkdir(fonts, { recursive: true });
  const require = createRequire(import.meta.url);
  for (const file of BUNDLED_FONT.files) {
    await copyFile(
      require.resolve(`${BUNDLED_FONT.packageName}/${file}`),
      path.join(fonts, path.basename(file)),
    );
  }
}

export async function buildHandlers(options: BuildHandlersOptions = {}): Promise<HandlerBundle[]> {
  const outdir = path.resolve(options.outdir ?? 'dist/handlers');
  const external = [NATIVE, ...(options.sdk === 'external' ? ['@aws-sdk/*'] : [])];
  await rm(outdir, { recursive: true, force: true });
  return Promise.all(
    HANDLERS.map(async (name): Promise<HandlerBundle> => {
      const dir = path.join(outdir, name);
      const file = path.join(dir, 'index.mjs');
      const result = await build({
        entryPoints: { index: `src/handlers/${name}.ts` },
        outdir: dir,
        outExtension: { '.js': '.mjs' },
        // Lazily imported adapters become chunks that a cold start does not load.
        splitting: true,
        chunkNames: 'chunks/[name]-[hash]',
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'esm',
        // ESM entry points of dependencies, so unused exports can be shaken out.
        mainFields: ['module', 'main'],
        minify: true,
        sourcemap: 'external',
        banner: { js: REQUIRE_SHIM },
        external,
        plugins: name === 'notify' ? [zodEnglishOnly] : [zodEnglishOnly, nativeOnlyInNotify],
        metafile: true,
        logLevel: 'warning',
        legalComments: 'none',
      });
      await writeFile(path.join(dir, 'meta.json'), JSON.stringify(result.metafile));
      if (name === 'notify') await packageNotify(dir);
      const entry = path.relative(process.cwd(), file);
      if (result.metafile.outputs[entry] === undefined)
        throw new Error(`esbuild reported no output for ${file}`);
      const totalBytes = Object.entries(result.metafile.outputs)
        .filter(([output]) => output.endsWith('.mjs'))
        .reduce((sum, [, output]) => sum + output.bytes, 0);
      return { name, dir, file, bytes: staticClosureBytes(result.metafile, entry), totalBytes };
    }),
  );
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  execFileSync('npx', ['tsc', '--noEmit'], { stdio: 'inherit' });
  const cli = await buildCli();
  console.log(
    `${CLI_ENTRY}  ${kib(cli.outputs[CLI_ENTRY]?.bytes ?? 0)} at start, ${Object.keys(cli.outputs).length} files`,
  );
  const bundles = await buildHandlers();
  // Reported, not fatal: the budget is a target (docs/bundles.md says what still exceeds it).
  for (const { file, bytes, totalBytes } of bundles) {
    const over = bytes > BUNDLE_LIMIT_BYTES ? `  over the ${kib(BUNDLE_LIMIT_BYTES)} target` : '';
    console.log(
      `${path.relative(process.cwd(), file)}  ${kib(bytes)} at cold start, ${kib(totalBytes)} in all${over}`,
    );
  }
}
