/**
 * An input id as the user typed it: the full SHA-256, or any unique prefix of at
 * least 4 hex digits (the dashboard and `sluice runs` show 12).
 */
import type { ObjectStore } from '../core/ports.js';
import type { CliIo } from './io.js';

export const SHA256 = /^[0-9a-f]{64}$/;
const PREFIX = /^[0-9a-f]{4,63}$/;

export type InputIdLookup =
  | { readonly id: string }
  /** `usage`: not an id or prefix at all, or a prefix of several ids; `missing`: no input has it. */
  | { readonly error: string; readonly kind: 'usage' | 'missing' };

export const isIdPrefix = (text: string): boolean => PREFIX.test(text.toLowerCase());

/** The one ingested input whose id starts with `text` (a full id is taken as it is). */
export async function resolveInputId(
  store: ObjectStore,
  dataDir: string,
  text: string,
): Promise<InputIdLookup> {
  const wanted = text.toLowerCase();
  if (SHA256.test(wanted)) return { id: wanted };
  if (!PREFIX.test(wanted)) {
    return {
      kind: 'usage',
      error: `${JSON.stringify(text)} is not an input SHA-256 (64 hex digits) or a prefix of one (at least 4)`,
    };
  }
  const matches: string[] = [];
  for await (const info of store.list(`manifests/${wanted}`)) {
    const id = info.key.slice('manifests/'.length, -'.json'.length);
    if (SHA256.test(id) && info.key.endsWith('.json')) matches.push(id);
  }
  if (matches.length === 1) return { id: matches[0] as string };
  if (matches.length === 0) {
    return {
      kind: 'missing',
      error: `no input whose id starts with ${wanted} has been ingested in ${dataDir}`,
    };
  }
  const shown = matches.slice(0, 5).map((id) => id.slice(0, 16));
  return {
    kind: 'usage',
    error: `${wanted} is ambiguous: ${matches.length} inputs start with it (${shown.join(', ')}${matches.length > 5 ? ', ...' : ''}); give more digits`,
  };
}

/**
 * For a command taking an id: the full id a hex prefix stands for, or the exit
 * code after saying why there is none (2 ambiguous, 1 no such input). Text that
 * is not a hex prefix comes back as it is, for the command's own checks.
 */
export async function idArgument(
  store: ObjectStore,
  dataDir: string,
  text: string,
  io: CliIo,
): Promise<{ readonly id: string } | { readonly exit: number }> {
  if (!isIdPrefix(text)) return { id: text };
  const lookup = await resolveInputId(store, dataDir, text);
  if ('id' in lookup) return lookup;
  io.stderr.write(`sluice: ${lookup.error}\n`);
  return { exit: lookup.kind === 'usage' ? 2 : 1 };
}
