/**
 * The media type of an upload whose Content-Type says nothing sluice can use.
 * Clients label data files loosely: curl's `--data-binary` sends
 * `application/x-www-form-urlencoded`, Windows labels `.csv` as
 * `application/vnd.ms-excel`, many tools say `text/plain` or
 * `application/octet-stream`. The body decides instead: gzip by its magic bytes,
 * JSON or CSV when a dataset contract recognizes it (with the dataset the caller
 * named, if any). Anything else is refused, naming what the body looked like.
 */
import { UnreadableFileError } from '../errors.js';
import { detectDataset, SNIFF_CHARS } from '../ingest/detect.js';

export type SniffedMedia =
  | { readonly ext: 'json'; readonly contentType: 'application/json' }
  | { readonly ext: 'csv'; readonly contentType: 'text/csv' }
  | { readonly ext: 'gz'; readonly contentType: 'application/gzip' };

export type SniffResult =
  | { readonly ok: true; readonly media: SniffedMedia }
  /** `sniffed` says what the body looked like, for the 415 message. */
  | { readonly ok: false; readonly sniffed: string };

const GZIP = (bytes: Uint8Array) => bytes[0] === 0x1f && bytes[1] === 0x8b;

export function sniffUpload(bytes: Uint8Array, dataset?: string): SniffResult {
  if (GZIP(bytes)) return { ok: true, media: { ext: 'gz', contentType: 'application/gzip' } };
  let prefix: string;
  try {
    // A cut in the middle of a UTF-8 sequence at the end of the window is not an error.
    const window = bytes.subarray(0, SNIFF_CHARS * 4);
    prefix = new TextDecoder('utf-8', { fatal: window.length === bytes.length })
      .decode(window)
      .replace(/^\uFEFF/, '')
      .slice(0, SNIFF_CHARS);
  } catch {
    return { ok: false, sniffed: 'binary data that is not UTF-8 text or gzip' };
  }
  try {
    // The key only matters for an `inputs/<dataset>/` prefix, which `dataset` stands in for here.
    const { contract } = detectDataset(prefix, 'inputs/upload', dataset);
    return contract.header
      ? { ok: true, media: { ext: 'csv', contentType: 'text/csv' } }
      : { ok: true, media: { ext: 'json', contentType: 'application/json' } };
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    return { ok: false, sniffed: error.message };
  }
}
