import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ingestObject } from '../../src/core/ingest/stage.js';
import { claimKeys } from '../../src/core/keys.js';
import type { Analyst } from '../../src/core/ports.js';
import { LOCK_FILE } from '../../src/dev/lock.js';
import { openLocalPorts } from '../../src/local/local-ports.js';
import { twelveDataSample } from '../../src/samples/twelvedata.generator.js';
import { type DevFixture, devFixture, emailsIn, eventually, quietConfig } from './dev-fixture.js';

/** An analyst that never answers: the run is mid-analysis for as long as the test likes. */
function hangingAnalyst(): Analyst & { called: Promise<void> } {
  let called = () => {};
  return {
    name: 'hanging',
    called: new Promise<void>((resolve) => {
      called = resolve;
    }),
    write() {
      called();
      return new Promise(() => {});
    },
  };
}

/** A pid no process has any more. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '']);
  await once(child, 'exit');
  return child.pid as number;
}

describe('sluice dev across a restart', () => {
  let fixture: DevFixture;
  beforeEach(async () => {
    fixture = await devFixture();
  });
  afterEach(async () => {
    await fixture.cleanup();
  });

  it('finishes a run that was mid-analysis when dev stopped, and sends one email', async () => {
    const analyst = hangingAnalyst();
    const first = await fixture.start({ analyst, graceMs: 200 });
    await writeFile(path.join(fixture.dataDir, 'inputs', 'prices.json'), twelveDataSample());
    await analyst.called;
    const [run] = await first.book.list();
    expect(run?.status).toBe('analyzing');

    const report = await first.close();
    expect(report.finished).toBe(false);
    expect(report.releasedClaims).toEqual([claimKeys.analyze(run?.id as string)]);
    expect(await emailsIn(fixture.dataDir)).toEqual([]);

    const second = await fixture.start();
    await second.idle();
    expect(await emailsIn(fixture.dataDir)).toHaveLength(1);
    expect(await second.book.summary(run?.id as string)).toMatchObject({
      status: 'reported',
      emailSent: true,
    });
  });

  it('takes over a lock whose process is dead and the claims its session left, but no one else’s', async () => {
    await mkdir(path.join(fixture.dataDir, 'inputs'), { recursive: true });
    // What a `kill -9` mid-analysis leaves: a manifest, a lost event, a claim, a lock.
    const before = openLocalPorts(quietConfig(), fixture.dataDir);
    await writeFile(path.join(fixture.dataDir, 'inputs', 'prices.json'), twelveDataSample());
    const { manifest } = await ingestObject(before, { key: 'inputs/prices.json', requestId: randomUUID() });
    const id = manifest?.id as string;
    const claim = { now: Date.now(), ttlMs: 15 * 60_000 };
    await before.state.claim(claimKeys.analyze(id), {
      ...claim,
      owner: `analyze:dev-0badf00d-${randomUUID()}`,
    });
    const foreign = claimKeys.ingest('f'.repeat(64));
    await before.state.claim(foreign, { ...claim, owner: `ingest:${randomUUID()}` });
    await before.close();
    const pid = await deadPid();
    await writeFile(
      path.join(fixture.dataDir, LOCK_FILE),
      JSON.stringify({ pid, session: '0badf00d', startedAt: new Date().toISOString() }),
    );

    const dev = await fixture.start();
    await dev.idle();

    expect(await emailsIn(fixture.dataDir)).toHaveLength(1);
    expect((await dev.ports.state.getClaim(foreign))?.status).toBe('in_progress');
    expect(fixture.lines).toContain(
      `sluice dev: took over the lock of pid ${pid}, which is no longer running`,
    );
    expect(fixture.lines).toContain(
      'sluice dev: gave back 1 claim(s) an earlier dev session left unfinished',
    );
    expect(JSON.parse(await readFile(path.join(fixture.dataDir, LOCK_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
      session: dev.session,
    });
  });

  it('ends open event streams and stops serving when it closes', async () => {
    const dev = await fixture.start();
    const events = await fetch(`${dev.url}/api/events`);
    const reading = (async () => {
      for await (const _ of events.body as unknown as AsyncIterable<Uint8Array>);
    })();
    expect(await dev.close()).toEqual({ finished: true, releasedClaims: [] });
    await reading;
    await expect(fetch(`${dev.url}/api/runs`)).rejects.toThrow();
  });

  it('refuses a data dir another running dev holds, and frees it on close', async () => {
    const first = await fixture.start();
    await expect(fixture.start()).rejects.toMatchObject({ code: 'DEV.LOCKED' });
    await first.close();
    const second = await fixture.start();
    await second.close();
  });

  it('re-sends nothing on restart when every run already finished', async () => {
    const first = await fixture.start();
    await writeFile(path.join(fixture.dataDir, 'inputs', 'prices.json'), twelveDataSample());
    await first.idle();
    await eventually(async () => (await emailsIn(fixture.dataDir)).length === 1);
    expect(await first.close()).toEqual({ finished: true, releasedClaims: [] });

    const second = await fixture.start();
    await second.idle();
    expect(second.ports.bus.published).toEqual([]);
    expect(await emailsIn(fixture.dataDir)).toHaveLength(1);
  });
});
