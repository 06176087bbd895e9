/**
 * Builds the CLI once per test run: several tests spawn bin/sluice.js, which runs
 * dist/cli/, and a fresh clone, or a source edit since `npm ci`, has none or a stale one.
 */
import { buildCli } from '../scripts/build-cli.js';

export default async function setup(): Promise<void> {
  await buildCli();
}
