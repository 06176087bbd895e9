/**
 * Issue 9, item 2: a crash right after (or before) every side effect of each
 * stage, then a rerun. The rerun before the crashed claim expires must answer
 * `in_progress` and change nothing; the rerun after expiry must leave exactly
 * what a crash-free run leaves: the same objects byte for byte (manifest timings
 * aside), the same state items, no lost row and no duplicate. The two documented
 * exceptions are asserted as documented: a crash after publishing and before the
 * claim is marked repeats an identical event (at-least-once), and a crash after
 * the provider accepted a report and before it is marked sends it a second time
 * with the same Message-ID.
 *
 * Figure: the (stage, fault point, outcome) table printed at the end.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoDbStateStore } from '../../src/adapters/aws/state-store.dynamodb.js';
import { ResvgRasterizer } from '../../src/adapters/local/chart-rasterizer.resvg.js';
import { OutboxMailer } from '../../src/adapters/mail/index.js';
import { DEFAULT_ANALYZE_OPTIONS } from '../../src/core/analyze/options.js';
import { analyzeIngested } from '../../src/core/analyze/stage.js';
import { type IngestCompleted, IngestCompletedSchema } from '../../src/core/events.js';
import { DEFAULT_INGEST_OPTIONS, ingestObject } from '../../src/core/ingest/stage.js';
import { claimKeys } from '../../src/core/keys.js';
import { type NotifyOptions, notifyAnalysis } from '../../src/core/notify/stage.js';
import { DEFAULT_NOTIFY_TIMING } from '../../src/core/notify/timing.js';
import type { EventBus, Mailer, ObjectStore, StateStore } from '../../src/core/ports.js';
import { twelveDataSample } from '../../src/samples/twelvedata.generator.js';
import { lambdaContext, s3ObjectCreatedEvent } from '../helpers/aws-events.js';
import { type AwsTestbed, startAwsTestbed } from '../helpers/aws-testbed.js';
import { putEventsReply } from '../helpers/eventbridge-server.js';
import { makeTestPorts, type TestPorts } from '../helpers/local-ports.js';
import {
  Crasher,
  crashingBus,
  crashingMailer,
  crashingState,
  crashingStore,
  type FaultPoint,
  SimulatedCrash,
} from './support/fault-ports.js';
import { type FigureRow, printFigure } from './support/figures.js';
import { type PipelineSnapshot, snapshotPipeline } from './support/pipeline-snapshot.js';

type StageName = 'ingest' | 'analyze' | 'notify';

interface Deps {
  readonly store: ObjectStore;
  readonly state: StateStore;
  readonly bus: EventBus;
  readonly mailer: Mailer;
}

interface Prepared {
  readonly id: string;
  readonly event?: IngestCompleted;
}

interface StageUnderTest {
  readonly ttlMs: number;
  /** The outcome of a run that did the work. */
  readonly done: string;
  prepare(ports: TestPorts): Promise<Prepared>;
  run(ports: TestPorts, deps: Deps, prepared: Prepared, requestId: string): Promise<string>;
}

const INPUT_KEY = 'inputs/sample.json';
const sample = twelveDataSample();
const sampleId = createHash('sha256').update(sample).digest('hex');

const notifyOptions: NotifyOptions = {
  ...DEFAULT_NOTIFY_TIMING,
  mail: {
    from: 'sluice <sluice@example.com>',
    to: ['ops@example.com'],
    subjectTemplate: 'Report {dataset}: {headline}',
  },
};
const rasterizer = new ResvgRasterizer();

const outboxOf = (ports: TestPorts) =>
  new OutboxMailer({ dir: path.join(ports.root, 'outbox'), clock: ports.clock });

async function ingested(ports: TestPorts): Promise<IngestCompleted> {
  await ports.store.put(INPUT_KEY, sample);
  await ingestObject(ports, { key: INPUT_KEY, requestId: 'prepare-ingest' });
  return IngestCompletedSchema.parse(ports.bus.published[0]?.detail);
}

const stages: Record<StageName, StageUnderTest> = {
  ingest: {
    ttlMs: DEFAULT_INGEST_OPTIONS.claimTtlMs,
    done: 'processed',
    async prepare(ports) {
      await ports.store.put(INPUT_KEY, sample);
      return { id: sampleId };
    },
    async run(ports, deps, _prepared, requestId) {
      return (await ingestObject({ ...ports, ...deps }, { key: INPUT_KEY, requestId })).outcome;
    },
  },
  analyze: {
    ttlMs: DEFAULT_ANALYZE_OPTIONS.claimTtlMs,
    done: 'analyzed',
    async prepare(ports) {
      const event = await ingested(ports);
      return { id: event.id, event };
    },
    async run(ports, deps, prepared, requestId) {
      const event = prepared.event as IngestCompleted;
      return (await analyzeIngested({ ...ports, ...deps }, { event, requestId })).outcome;
    },
  },
  notify: {
    ttlMs: DEFAULT_NOTIFY_TIMING.claimTtlMs,
    done: 'sent',
    async prepare(ports) {
      const event = await ingested(ports);
      await analyzeIngested(ports, { event, requestId: 'prepare-analyze' });
      return { id: event.id };
    },
    async run(ports, deps, prepared, requestId) {
      const deps_ = { ...ports, state: deps.state, mailer: deps.mailer, rasterizer };
      return (await notifyAnalysis(deps_, { id: prepared.id, requestId }, notifyOptions)).outcome;
    },
  },
};

interface FaultCase {
  readonly stage: StageName;
  readonly label: string;
  readonly point: FaultPoint;
}

const after = (port: FaultPoint['port'], method: string, key?: RegExp): FaultPoint => ({
  port,
  method,
  when: 'after',
  ...(key ? { key } : {}),
});
const before = (port: FaultPoint['port'], method: string): FaultPoint => ({ port, method, when: 'before' });

// Every side effect of each stage, in the order the stage code performs them.
const cases: FaultCase[] = [
  { stage: 'ingest', label: 'after the claim', point: after('state', 'claim') },
  { stage: 'ingest', label: 'after writing rejects', point: after('store', 'writer.close', /^rejects\//) },
  {
    stage: 'ingest',
    label: 'after writing processed',
    point: after('store', 'writer.close', /^processed\//),
  },
  { stage: 'ingest', label: 'after writing the manifest', point: after('store', 'put', /^manifests\//) },
  { stage: 'ingest', label: 'before publishing', point: before('bus', 'publish') },
  { stage: 'ingest', label: 'after publishing', point: after('bus', 'publish') },
  { stage: 'ingest', label: 'after completing the claim', point: after('state', 'complete') },
  { stage: 'analyze', label: 'after the claim', point: after('state', 'claim') },
  { stage: 'analyze', label: 'after writing history and parts', point: after('state', 'putMany') },
  { stage: 'analyze', label: 'after storing the summary', point: after('state', 'put', /^ANALYSIS#/) },
  { stage: 'analyze', label: 'after writing the run index', point: after('state', 'put', /^RUNS#/) },
  { stage: 'analyze', label: 'before publishing', point: before('bus', 'publish') },
  { stage: 'analyze', label: 'after publishing', point: after('bus', 'publish') },
  { stage: 'analyze', label: 'after completing the claim', point: after('state', 'complete') },
  { stage: 'notify', label: 'after the claim', point: after('state', 'claim') },
  { stage: 'notify', label: 'before sending', point: before('mailer', 'send') },
  { stage: 'notify', label: 'after sending', point: after('mailer', 'send') },
  { stage: 'notify', label: 'after marking sent', point: after('state', 'complete') },
];

const opened: TestPorts[] = [];
const kept: TestPorts[] = [];
async function freshPorts(keep = false): Promise<TestPorts> {
  const ports = await makeTestPorts();
  (keep ? kept : opened).push(ports);
  return ports;
}

const baselines = new Map<StageName, Promise<PipelineSnapshot>>();
/** One crash-free run per stage, computed once. */
function baseline(stage: StageName): Promise<PipelineSnapshot> {
  let snapshot = baselines.get(stage);
  if (!snapshot) {
    snapshot = (async () => {
      const ports = await freshPorts(true);
      const under = stages[stage];
      const prepared = await under.prepare(ports);
      const deps = { ...ports, mailer: outboxOf(ports) };
      expect(await under.run(ports, deps, prepared, 'baseline')).toBe(under.done);
      return snapshotPipeline(ports);
    })();
    baselines.set(stage, snapshot);
  }
  return snapshot;
}

const keyOf = (item: string): string => item.split(' | ').slice(0, 2).join(' | ');

const rows: FigureRow[] = [];
const STAGE_EVENT: Partial<Record<StageName, string>> = {
  ingest: 'IngestCompleted',
  analyze: 'AnalysisCompleted',
};

afterEach(async () => {
  await Promise.all(opened.splice(0).map((ports) => ports.cleanup()));
});

afterAll(async () => {
  await Promise.all(kept.splice(0).map((ports) => ports.cleanup()));
  printFigure(
    'crash at every side effect, then rerun (npx vitest run test/reliability/crashes.test.ts)',
    rows,
  );
});

describe('a crash at each side effect of each stage', () => {
  it.each(cases)(
    '$stage: a crash $label is finished by a rerun with the crash-free outputs',
    async ({ stage, label, point }) => {
      const expected = await baseline(stage);
      const under = stages[stage];
      const ports = await freshPorts();
      const prepared = await under.prepare(ports);
      const mailer = outboxOf(ports);
      const crasher = new Crasher(point);
      const crashing: Deps = {
        store: crashingStore(ports.store, crasher),
        state: crashingState(ports.state, crasher),
        bus: crashingBus(ports.bus, crasher),
        mailer: crashingMailer(mailer, crasher),
      };
      await expect(under.run(ports, crashing, prepared, 'crashed')).rejects.toBeInstanceOf(SimulatedCrash);
      expect(crasher.crashed).toBe(true);

      // The restarted process: the same adapters, unwrapped.
      const healthy: Deps = { ...ports, mailer };
      const claimKey = claimKeys[stage](prepared.id);
      const left = (await ports.state.getClaim(claimKey))?.status ?? 'none';
      let beforeExpiry = '—';
      if (left === 'in_progress') {
        const untouched = await snapshotPipeline(ports);
        beforeExpiry = await under.run(ports, healthy, prepared, 'too-early');
        expect(beforeExpiry).toBe('in_progress');
        expect(await snapshotPipeline(ports)).toEqual(untouched);
        ports.clock.advance(under.ttlMs + 1);
      }
      const rerun = await under.run(ports, healthy, prepared, 'rerun');
      expect(rerun).toBe(left === 'completed' ? 'duplicate' : under.done);
      expect((await ports.state.getClaim(claimKey))?.status).toBe('completed');

      const actual = await snapshotPipeline(ports);
      expect(actual.objects).toEqual(expected.objects);
      // Keys first, so a duplicate shows as one extra line rather than a wall of item data.
      expect(actual.items.map(keyOf)).toEqual(expected.items.map(keyOf));
      expect(actual.items).toEqual(expected.items);

      // Crashed between publishing and completing: the rerun publishes the same event again.
      const republished = point.port === 'bus' && point.when === 'after';
      const stageEvent = expected.events.at(-1) as string;
      const expectedEvents =
        stage !== 'notify' && republished ? [...expected.events, stageEvent] : expected.events;
      expect(actual.events).toEqual(expectedEvents);

      // Crashed after the provider accepted the report: the one documented duplicate, the same message.
      const resent = point.port === 'mailer' && point.when === 'after';
      expect(actual.emails).toHaveLength(resent ? 2 : expected.emails.length);
      for (const email of actual.emails) expect(email).toEqual(expected.emails[0]);

      rows.push({
        stage,
        'fault point': label,
        'claim left': left,
        'rerun before expiry': beforeExpiry,
        rerun,
        'objects and items as crash-free': 'identical',
        'events it published': STAGE_EVENT[stage]
          ? actual.events.filter((e) => e.startsWith(`${STAGE_EVENT[stage]} `)).length
          : '—',
        emails: actual.emails.length,
      });
    },
  );
});

describe('a Lambda invocation killed midway, on emulated AWS', () => {
  let testbed: AwsTestbed;
  let scratch: string;
  beforeAll(async () => {
    testbed = await startAwsTestbed({ busName: 'sluice-crash', mailTo: 'ops@example.com' });
    scratch = await mkdtemp(path.join(os.tmpdir(), 'sluice-crash-'));
  });
  afterAll(async () => {
    await testbed.stop();
    await rm(scratch, { recursive: true, force: true });
  });

  it("ingest: the invocation's claim expires at its deadline, so Lambda's retry does the work instead of dropping it", async () => {
    const { s3, s3Client, ddb, events } = testbed;
    const key = 'inputs/killed.json';
    await s3Client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: sample }));
    const event = s3ObjectCreatedEvent(s3.bucket, key);
    const eventFile = path.join(scratch, 'event.json');
    await writeFile(eventFile, JSON.stringify(event));
    // The first invocation gets as far as publishing, then hangs there until it is killed.
    events.failNext(putEventsReply.hang());
    const callsBefore = events.calls.length;
    const runner = path.resolve('test/reliability/support/run-handler.ts');
    const child = spawn(process.execPath, ['--import', 'tsx', runner, 'ingest', eventFile, '2000'], {
      env: process.env,
      stdio: 'ignore',
    });
    const exited = once(child, 'exit');
    for (const started = Date.now(); events.calls.length === callsBefore; ) {
      if (Date.now() - started > 20_000) throw new Error('the first invocation never reached PutEvents');
      await delay(50);
    }
    child.kill('SIGKILL');
    await exited;

    const state = new DynamoDbStateStore({ client: ddb.documentClient(), table: ddb.table });
    const left = await state.getClaim(claimKeys.ingest(sampleId));
    expect(left?.status).toBe('in_progress');
    // Bounded by the 2 s the invocation had, not the stage's 15 min: Lambda retries after 1 and 3 min.
    expect((left?.expiresAt ?? 0) - Date.now(), 'the claim outlives the killed invocation').toBeLessThan(
      2000,
    );
    // Lambda retries a failed async invocation after a minute or more; here, just past the deadline.
    await delay(Math.max(0, (left?.expiresAt ?? 0) - Date.now() + 50));
    vi.resetModules();
    const ingest = (await import('../../src/handlers/ingest.js')).handler;
    const { results } = await ingest(event, lambdaContext());

    expect(results[0]).toMatchObject({ outcome: 'processed', id: sampleId });
    const completed = events.accepted.filter(
      (e) => e.DetailType === 'IngestCompleted' && e.Detail.includes(sampleId),
    );
    expect(completed).toHaveLength(1);
    rows.push({
      stage: 'ingest (Lambda, process killed)',
      'fault point': 'SIGKILL while publishing (after outputs and manifest)',
      'claim left': 'in_progress',
      'rerun before expiry': '— (expiry = the invocation deadline)',
      rerun: String(results[0]?.outcome),
      'objects and items as crash-free': 'processed object and manifest rewritten',
      'events it published': completed.length,
      emails: 0,
    });
  }, 60_000);
});
