/** What every benchmark worker prints: one JSON line the runner reads. */
export interface WorkerReport {
  readonly records: number;
  readonly valid: number;
  readonly rejected: number;
  readonly ms: number;
  readonly peakRssMb: number;
}

export function report(r: Omit<WorkerReport, 'peakRssMb'>): void {
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ...r, peakRssMb })}\n`);
}
