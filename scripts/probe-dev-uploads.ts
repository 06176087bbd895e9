/**
 * Eight concurrent 6 MB deeply nested JSON uploads to a running `sluice dev`,
 * while /api/runs is polled: prints the upload time and the worst /api/runs
 * latency (how long the event loop was held). The red-team case of issue 18.
 *
 *   sluice dev --port 4477 &   npx tsx scripts/probe-dev-uploads.ts http://127.0.0.1:4477
 */
const url = process.argv[2] ?? 'http://127.0.0.1:4400';
const arrays = `${'['.repeat(3_000_000)}${']'.repeat(3_000_000)}`;
const objects = `${'{"a":'.repeat(1_000_000)}1${'}'.repeat(1_000_000)}`;

let worst = 0;
let stop = false;
const probing = (async () => {
  while (!stop) {
    const started = performance.now();
    await fetch(`${url}/api/runs`).then((r) => r.arrayBuffer());
    worst = Math.max(worst, performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
})();
const started = performance.now();
const statuses = await Promise.all(
  Array.from({ length: 8 }, (_, i) =>
    fetch(`${url}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // A different tail per upload: eight inputs, not one input eight times.
      body: `${i % 2 ? arrays : objects}${' '.repeat(i)}`,
    }).then((r) => r.status),
  ),
);
const uploadMs = Math.round(performance.now() - started);
await new Promise((resolve) => setTimeout(resolve, 5000));
stop = true;
await probing;
console.log(JSON.stringify({ statuses, uploadMs, worstRunsLatencyMs: Math.round(worst) }));
