/**
 * The name a file had on the uploader's disk. `POST /ingest` stores bodies under
 * their SHA-256, so without this the runs list would show hashes for uploads.
 * Dev only: kept as a state item (`UPLOAD#<id>` / `NAME`) beside the runs.
 */
import { z } from 'zod';
import type { StateStore } from '../core/ports.js';

/** The browser sends `encodeURIComponent(file.name)`: header values are Latin-1. */
export const UPLOAD_NAME_HEADER = 'x-sluice-filename';

const MAX_NAME_CHARS = 200;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed.
const CONTROL = /[\u0000-\u001f\u007f]/g;

const NameSchema = z.string().min(1).max(MAX_NAME_CHARS);
const ItemSchema = z.object({ name: NameSchema });

const pk = (id: string) => `UPLOAD#${id}`;
const SK = 'NAME';

/** The file name a header carries, reduced to its last path segment; undefined when absent or unusable. */
export function uploadNameFrom(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(header);
  } catch {
    return undefined;
  }
  const base = decoded.replace(CONTROL, '').split(/[\\/]/).pop()?.trim() ?? '';
  const parsed = NameSchema.safeParse(base.slice(0, MAX_NAME_CHARS));
  return parsed.success ? parsed.data : undefined;
}

export async function rememberUploadName(state: StateStore, id: string, name: string): Promise<void> {
  // The first name wins: the same bytes posted again under another name are the same run.
  if (await state.get(pk(id), SK)) return;
  await state.put({ pk: pk(id), sk: SK, data: { name } });
}

export async function uploadName(state: StateStore, id: string): Promise<string | undefined> {
  const item = await state.get(pk(id), SK);
  const parsed = ItemSchema.safeParse(item?.data);
  return parsed.success ? parsed.data.name : undefined;
}
