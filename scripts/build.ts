/**
 * `npm run build`: type-checks, then bundles the CLI into dist/ with esbuild so it
 * starts without tsx. Lambda handler bundles join this list as they are written.
 */
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';

execFileSync('npx', ['tsc', '--noEmit'], { stdio: 'inherit' });

const result = await build({
  entryPoints: { 'cli/sluice': 'src/cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: true,
  // Native and CommonJS-only packages stay as runtime dependencies.
  packages: 'external',
  metafile: true,
  logLevel: 'info',
});

for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (file.endsWith('.mjs')) console.log(`${file}  ${(output.bytes / 1024).toFixed(1)} KiB`);
}
