/** Human output of the CLI: a summary table and where the outputs are. */
import path from 'node:path';
import Table from 'cli-table3';
import type { IngestedFile } from './io.js';

const topReasons = (reasons: Record<string, number>, most = 3): string =>
  Object.entries(reasons)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, most)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');

export function manifestTable(results: readonly IngestedFile[], dataDir: string): string {
  const table = new Table({
    head: ['file', 'dataset', 'status', 'rows', 'valid', 'rejected', 'reject %', 'top reasons', 'ms'],
    style: { head: [], border: [] },
  });
  const where: string[] = [];
  for (const { file, result } of results) {
    const m = result.manifest;
    if (!m) {
      table.push([path.basename(file), '', result.outcome, '', '', '', '', '', '']);
      continue;
    }
    const status = result.outcome === 'duplicate' ? `${m.status} (already)` : m.status;
    table.push([
      path.basename(file),
      m.dataset ?? '-',
      m.reason ? `${status}: ${m.reason.code}` : status,
      m.counts.total,
      m.counts.valid,
      m.counts.rejected,
      m.counts.rejectPct.toFixed(2),
      topReasons(m.counts.reasons),
      m.timings.totalMs,
    ]);
    const show = (key: string) => path.join(dataDir, key);
    where.push(`${path.basename(file)}:`);
    if (m.outputs.processed) where.push(`  processed  ${show(m.outputs.processed)}`);
    if (m.outputs.rejects) where.push(`  rejects    ${show(m.outputs.rejects)}`);
    where.push(`  manifest   ${show(`manifests/${m.id}.json`)}`);
    if (m.reason) where.push(`  reason     ${m.reason.message}`);
    // Every group that lost rows is named, so a dropped symbol never goes unnoticed.
    for (const [group, counts] of Object.entries(m.counts.groups)) {
      if (counts.rejected > 0) {
        where.push(
          `  lost       ${group}: ${counts.rejected} of ${counts.total} (${topReasons(counts.reasons ?? {})})`,
        );
      }
    }
  }
  return [table.toString(), ...where].join('\n');
}
