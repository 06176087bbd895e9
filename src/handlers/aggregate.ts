/**
 * The 5-minute aggregate, invoked by an EventBridge schedule. The slot comes from
 * the scheduled event's time, not the clock, so a retried invocation rewrites the
 * same snapshot item.
 */
import type { ScheduledEvent } from 'aws-lambda';
import { z } from 'zod';
import { instrument } from '../adapters/aws/observability.js';
import {
  buildSnapshot,
  loadRuns,
  type MarketSnapshot,
  saveSnapshot,
  slotOf,
} from '../core/aggregate/snapshot.js';
import { EventValidationError } from '../core/errors.js';
import { createRuntime } from './runtime.js';

const runtime = createRuntime('aggregate');

const ScheduledEventSchema = z.object({ time: z.iso.datetime({ offset: true }) });

export const handler = instrument(
  runtime.observability,
  async (event: ScheduledEvent): Promise<MarketSnapshot> => {
    const parsed = ScheduledEventSchema.safeParse(event);
    if (!parsed.success)
      throw new EventValidationError(`not a scheduled event: ${z.prettifyError(parsed.error)}`);
    const slot = slotOf(Date.parse(parsed.data.time));
    const windowMinutes = runtime.env.SLUICE_AGGREGATE_WINDOW_MINUTES;
    const state = runtime.state();
    const runs = await loadRuns(state, slot - windowMinutes * 60_000, slot);
    const snapshot = buildSnapshot(runs, { slot, windowMinutes });
    await saveSnapshot(state, snapshot);
    runtime.observability.logger.info('snapshot written', {
      slot: snapshot.slot,
      runs: snapshot.runs,
      marketRuns: snapshot.marketRuns,
    });
    return snapshot;
  },
);
