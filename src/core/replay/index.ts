/** Replaying inputs: a full re-run, or a second look at the rejected rows after a contract fix. */
export { ReplayError, type ReplayErrorCode } from './errors.js';
export { replayId } from './lineage.js';
export {
  DEFAULT_REPLAY_OPTIONS,
  type ReplayDeps,
  type ReplayOptions,
  type ReplayRejectsInput,
  type ReplayRejectsResult,
  type ReplaySummary,
  replayRejects,
} from './rejects.js';
export { type RerunInput, type RerunResult, rerunInput } from './rerun.js';
