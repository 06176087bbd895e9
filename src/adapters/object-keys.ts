/**
 * Object key rules shared by every ObjectStore adapter, so a key accepted on a
 * laptop folder is accepted on S3 and the other way round. Pure: no I/O.
 */
import { InvalidKeyError } from '../core/errors.js';

/** The local store writes in-flight objects under this first segment; no store accepts it as a key. */
export const RESERVED_TEMP_SEGMENT = '.tmp';

// Percent-encoded dot, slash, backslash, control char or overlong UTF-8 lead byte,
// possibly encoded again (%252e): a later decoder (HTTP, S3 console) could turn them into traversal.
const ENCODED_TRAVERSAL = /%(?:25)*(?:2e|2f|5c|[01][0-9a-f]|7f|c0|c1)/i;
const DRIVE_LETTER = /^[a-z]:/i;

// C0, DEL and C1 controls: they break logs and shells and mean nothing in a key.
const hasControlChar = (key: string): boolean => {
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return true;
  }
  return false;
};

/**
 * Throws InvalidKeyError unless `key` is a plain relative key ('a/b/c.jsonl') that
 * cannot name anything outside the store, on POSIX or Windows, before or after decoding.
 */
export function assertSafeKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new InvalidKeyError(String(key), 'empty key');
  if (hasControlChar(key)) throw new InvalidKeyError(key, 'contains a control character');
  if (key.includes('\\')) throw new InvalidKeyError(key, 'contains a backslash');
  if (key.startsWith('/')) throw new InvalidKeyError(key, 'absolute path');
  if (DRIVE_LETTER.test(key)) throw new InvalidKeyError(key, 'starts with a drive letter');
  if (ENCODED_TRAVERSAL.test(key)) throw new InvalidKeyError(key, 'contains percent-encoded traversal');
  const segments = key.split('/');
  // '.' and '' segments would let two keys name one file on disk but two objects on S3.
  for (const segment of segments) {
    if (segment === '..') throw new InvalidKeyError(key, "contains a '..' segment");
    if (segment === '.') throw new InvalidKeyError(key, "contains a '.' segment");
    if (segment === '') throw new InvalidKeyError(key, 'contains an empty segment');
  }
  if (segments[0] === RESERVED_TEMP_SEGMENT) {
    throw new InvalidKeyError(key, `'${RESERVED_TEMP_SEGMENT}/' is reserved for in-flight writes`);
  }
}

/**
 * Throws InvalidKeyError unless `prefix` is empty, a safe key, or a safe key
 * followed by one '/' (a folder): the prefixes the local store can list.
 */
export function assertSafePrefix(prefix: string): void {
  if (prefix === '') return;
  assertSafeKey(prefix.endsWith('/') ? prefix.slice(0, -1) : prefix);
}

/**
 * The object key of an S3 event notification (S3 → Lambda, SQS or SNS), which S3
 * form-encodes: spaces as '+', a literal '+' as '%2B'. Reports disagree on whether
 * EventBridge's `detail.object.key` is encoded the same way; check a real event
 * before decoding one, since decoding twice turns a literal '+' into a space.
 */
export function decodeS3EventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch (error) {
    throw new InvalidKeyError(key, `malformed percent-encoding (${(error as Error).message})`);
  }
}
