import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestPorts, type TestPorts } from '../../test/helpers/local-ports.js';
import { analyzeIngested } from '../core/analyze/stage.js';
import type { AnalysisPlan } from '../core/datasets/analysis-plan.js';
import { type IngestCompleted, IngestCompletedSchema } from '../core/events.js';
import { ingestObject } from '../core/ingest/stage.js';
import { twelveDataSample } from '../samples/twelvedata.generator.js';
import { GroupViewSchema, RunDetailSchema } from './api-contract.js';
import { RunBook } from './run-book.js';
import { RunDetails } from './run-details.js';

const PROFILE: AnalysisPlan = {
  kind: 'profile',
  timeColumn: 'datetime',
  columns: [
    { name: 'symbol', type: 'string' },
    { name: 'datetime', type: 'date' },
    { name: 'close', type: 'number' },
  ],
};

describe('run details', () => {
  let ports: TestPorts;
  let event: IngestCompleted;
  let details: RunDetails;

  beforeEach(async () => {
    ports = await makeTestPorts();
    await ports.store.put('inputs/sample.json', twelveDataSample());
    await ingestObject(ports, { key: 'inputs/sample.json', requestId: 'ingest-1' });
    event = IngestCompletedSchema.parse(ports.bus.published[0]?.detail);
    details = new RunDetails({
      store: ports.store,
      state: ports.state,
      book: new RunBook({ store: ports.store, state: ports.state, clock: ports.clock }),
      rasterizer: { toPng: () => new Uint8Array() },
      subjectTemplate: '{dataset}: {headline}',
    });
  });
  afterEach(async () => {
    await ports.cleanup();
  });

  it('takes the view from the kind stored with the analysis, not from the dataset id', async () => {
    await analyzeIngested({ ...ports, plans: () => PROFILE }, { event, requestId: 'a-1' });
    const detail = RunDetailSchema.parse(await details.detail(event.id));
    expect(detail.analysisKind).toBe('profile');
    expect(detail.groups).toEqual(['symbol', 'datetime', 'close']);
    const view = GroupViewSchema.parse(await details.view(event.id, 'close'));
    expect(view.kind === 'profile' && view.columns.map((c) => c.name)).toEqual(detail.groups);
    expect(await details.view(event.id, 'volume')).toBeUndefined();
  });

  it('keeps the market view of a market dataset analyzed without a plan', async () => {
    await analyzeIngested(ports, { event, requestId: 'a-1' });
    const detail = RunDetailSchema.parse(await details.detail(event.id));
    expect(detail.analysisKind).toBe('market');
    const view = GroupViewSchema.parse(await details.view(event.id, detail.groups[0] as string));
    expect(view.kind).toBe('market');
  });
});
