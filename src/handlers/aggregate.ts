/**
 * The 5-minute aggregate, invoked by an EventBridge rule or an EventBridge Scheduler
 * schedule. The slot comes from the event's time, not the clock, so a retried
 * invocation rewrites the same snapshot item. Scheduler's default input is `{}`,
 * which carries no time: the clock decides then (docs/deploy.md shows the input
 * `{"time": "<aws.scheduler.scheduled-time>"}` that keeps retries on one slot).
 */
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

const ScheduledEventSchema = z.object({ time: z.iso.datetime({ offset: true }).optional() });

export const handler = instrument(runtime.observability, async (event: unknown): Promise<MarketSnapshot> => {
  const parsed = ScheduledEventSchema.safeParse(event);
  if (!parsed.success)
    throw new EventValidationError(`not a scheduled event: ${z.prettifyError(parsed.error)}`);
  const { time } = parsed.data;
  if (time === undefined) {
    runtime.observability.logger.info('the event carries no time; the slot comes from the clock');
  }
  const slot = slotOf(time === undefined ? runtime.clock.now() : Date.parse(time));
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
});
