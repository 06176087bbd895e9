/** Why a replay cannot start; each code is stable so scripts can branch on it. */
import { SluiceError } from '../errors.js';

export type ReplayErrorCode =
  /** No manifest for this SHA-256: the input was never ingested here. */
  | 'REPLAY.UNKNOWN_INPUT'
  /** The manifest names an input object that no longer exists. */
  | 'REPLAY.INPUT_MISSING'
  /** The object at the input's key holds other bytes than the ones ingested. */
  | 'REPLAY.INPUT_CHANGED'
  /** The id names a replay, or an input with nothing a rejects replay can read. */
  | 'REPLAY.NOT_REPLAYABLE'
  /** The manifest's dataset has no contract in the registry any more. */
  | 'REPLAY.UNKNOWN_DATASET'
  /** A line of the rejects file being replayed is not a reject line sluice wrote. */
  | 'REPLAY.CORRUPT_REJECTS'
  /** Another run kept writing the same replay sequence; nothing was published. */
  | 'REPLAY.CONFLICT'
  /** Another run holds the input's ingest claim right now. */
  | 'REPLAY.IN_PROGRESS';

export class ReplayError extends SluiceError {
  constructor(code: ReplayErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
