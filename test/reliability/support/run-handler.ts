/**
 * Runs one handler invocation in a process of its own, so a test can kill it with
 * SIGKILL midway, as Lambda ends an invocation at its timeout: nothing in it gets to
 * release a claim or abort a write. The environment is the parent's (the testbed's).
 *
 * node --import tsx run-handler.ts <ingest|analyze|notify> <event JSON file> <remaining ms>
 */
import { readFile } from 'node:fs/promises';
import { lambdaContext } from '../../helpers/aws-events.js';

const [name, eventFile, remainingMs] = process.argv.slice(2);
const modules: Record<string, () => Promise<{ handler: unknown }>> = {
  ingest: () => import('../../../src/handlers/ingest.js'),
  analyze: () => import('../../../src/handlers/analyze.js'),
  notify: () => import('../../../src/handlers/notify.js'),
};
const load = modules[name ?? ''];
if (!load || !eventFile || !remainingMs)
  throw new Error('usage: run-handler.ts <handler> <event file> <remaining ms>');
const handler = (await load()).handler as (event: unknown, context: unknown) => Promise<unknown>;
const event: unknown = JSON.parse(await readFile(eventFile, 'utf8'));
const deadline = Date.now() + Number(remainingMs);
await handler(event, { ...lambdaContext(), getRemainingTimeInMillis: () => deadline - Date.now() });
