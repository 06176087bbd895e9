/** Content hashes of stored objects: the SHA-256 that names an input and everything derived from it. */
import { createHash } from 'node:crypto';
import type { ObjectStore } from '../ports.js';

/** The SHA-256 and byte count of an object, in one read. */
export async function hashOf(store: ObjectStore, key: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of await store.getStream(key)) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { sha256: hash.digest('hex'), size };
}

export const sha256Of = async (store: ObjectStore, key: string): Promise<string> =>
  (await hashOf(store, key)).sha256;
