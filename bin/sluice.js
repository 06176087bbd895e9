#!/usr/bin/env node
// Runs the CLI that scripts/build-cli.ts built into dist/cli/ (`npm ci` builds it through `prepare`).
let cli;
try {
  cli = await import('../dist/cli/sluice.mjs');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('dist/cli/sluice.mjs'))
    throw error;
  process.stderr.write('sluice: the CLI is not built: run `npm run build:cli` in the sluice checkout\n');
  process.exit(2);
}
process.exitCode = await cli.main(process.argv);
