/**
 * `sluice runs`: every input of the data dir, newest first, as the dashboard
 * lists them (src/dev/run-book.ts): dataset, status, counts, when. `--json`
 * prints the array of the dashboard's RunSummary objects (src/dev/api-contract.ts).
 */
import Table from 'cli-table3';
import { RunBook } from '../../dev/run-book.js';
import type { LocalPorts } from '../../local/local-ports.js';
import type { CliIo } from '../io.js';

/** The digits of an id the table shows; any unique prefix is accepted wherever an id is. */
export const SHORT_ID = 12;

export async function runsCommand(
  ports: LocalPorts,
  options: { json?: boolean },
  io: CliIo,
): Promise<number> {
  const runs = await new RunBook(ports).list();
  if (options.json) {
    io.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
    return 0;
  }
  if (runs.length === 0) {
    io.stdout.write(`no inputs yet in ${ports.dataDir} (try \`sluice ingest <file>\`)\n`);
    return 0;
  }
  const table = new Table({
    head: ['id', 'file', 'dataset', 'status', 'rows', 'valid', 'rejected', 'started', 'email'],
    style: { head: [], border: [] },
  });
  for (const run of runs) {
    table.push([
      run.id.slice(0, SHORT_ID),
      run.file,
      run.dataset ?? '-',
      run.reason ? `${run.status}: ${run.reason.code}` : run.status,
      run.total,
      run.valid,
      run.rejected,
      run.startedAt.replace('T', ' ').slice(0, 19),
      run.emailSent ? 'sent' : '-',
    ]);
  }
  io.stdout.write(`${table.toString()}\n`);
  return 0;
}
