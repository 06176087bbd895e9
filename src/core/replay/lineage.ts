/**
 * Where replays of an input stand: the input's own manifest, its replays' manifests
 * (found by their derived ids, so no index has to be kept), and which of them the
 * next replay starts from.
 */
import { createHash } from 'node:crypto';
import { errorCode } from '../errors.js';
import { type Manifest, ManifestSchema } from '../ingest/manifest.js';
import { keys } from '../keys.js';
import type { ObjectStore } from '../ports.js';
import { ReplayError } from './errors.js';

/**
 * The 64-hex id of replay `n` of an input: derived, so a retry of the same replay
 * rewrites the same keys, and every stage that keys by id works unchanged.
 */
export const replayId = (sha256: string, n: number): string =>
  createHash('sha256').update(`${sha256}:replay:${n}`).digest('hex');

/** The stored manifest with this id, or undefined when there is none. */
export async function readManifest(store: ObjectStore, id: string): Promise<Manifest | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await store.getBytes(keys.manifest(id));
  } catch (error) {
    if (errorCode(error) === 'STORE.NOT_FOUND') return undefined;
    throw error;
  }
  return ManifestSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
}

/** The manifest ingest wrote for an input; a replay's manifest is refused by name. */
export async function inputManifest(store: ObjectStore, sha256: string): Promise<Manifest> {
  const manifest = await readManifest(store, sha256);
  if (!manifest) {
    throw new ReplayError('REPLAY.UNKNOWN_INPUT', `no input ${sha256} has been ingested (no manifest)`);
  }
  if (manifest.replay) {
    throw new ReplayError(
      'REPLAY.NOT_REPLAYABLE',
      `${sha256} is replay ${manifest.replay.sequence} of input ${manifest.replay.of}; replay that input instead`,
    );
  }
  return manifest;
}

export interface LatestReplay {
  /** 0 when the input was never replayed. */
  readonly sequence: number;
  readonly manifest?: Manifest;
}

/** The last replay written for an input, probing its derived manifest keys in order. */
export async function latestReplay(store: ObjectStore, sha256: string): Promise<LatestReplay> {
  let latest: LatestReplay = { sequence: 0 };
  for (let n = 1; ; n++) {
    const manifest = await readManifest(store, replayId(sha256, n));
    if (!manifest) return latest;
    latest = { sequence: n, manifest };
  }
}

/**
 * What a rejects replay starts from: the last replay, unless the input was re-run
 * in full after it (its manifest is then newer and already judged by the current contract).
 */
export function replayBase(input: Manifest, latest: LatestReplay): Manifest {
  if (!latest.manifest) return input;
  return Date.parse(input.timings.finishedAt) > Date.parse(latest.manifest.timings.finishedAt)
    ? input
    : latest.manifest;
}
