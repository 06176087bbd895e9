/**
 * Watches `<dataDir>/inputs/` with chokidar and reports each file once it has
 * stopped growing (`awaitWriteFinish`), as an object key. Files already there
 * at start are reported too (chokidar's initial scan), so a restart picks up
 * whatever the last session left.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { INPUT_PREFIX } from '../core/keys.js';

export interface InputWatcherOptions {
  readonly dataDir: string;
  /** How long a file's size must stay the same before it counts as written. @default 1000 */
  readonly stabilityThresholdMs?: number;
  /** How often a growing file's size is checked. @default 100 */
  readonly pollIntervalMs?: number;
  /** Called with the key of every complete file, at start and whenever one is added or rewritten. */
  readonly onFile: (key: string) => void;
  readonly onError?: (error: unknown) => void;
}

/** Partial downloads, editor and office lock files: never inputs. */
const TEMP_NAME = /(?:\.(?:tmp|temp|part|partial|crdownload|download|swp|swx)$)|(?:^~\$)|(?:~$)/i;

/** True for paths under inputs/ that must not be ingested: dot files and folders, temp names. */
export function isIgnoredInput(inputsDir: string, file: string): boolean {
  const relative = path.relative(inputsDir, file);
  if (relative === '' || relative.startsWith('..')) return false;
  const segments = relative.split(path.sep);
  return segments.some((s) => s.startsWith('.')) || TEMP_NAME.test(segments[segments.length - 1] ?? '');
}

export interface InputWatcher {
  /** Resolves once the initial scan has reported every file that was already there, or on close. */
  readonly ready: Promise<void>;
  /** Files seen but not yet stable. */
  pendingWrites(): number;
  close(): Promise<void>;
}

export async function watchInputs(options: InputWatcherOptions): Promise<InputWatcher> {
  const { dataDir } = options;
  const inputsDir = path.join(dataDir, INPUT_PREFIX);
  await mkdir(inputsDir, { recursive: true });
  const watcher: FSWatcher = watch(inputsDir, {
    ignored: (file) => isIgnoredInput(inputsDir, file),
    awaitWriteFinish: {
      stabilityThreshold: options.stabilityThresholdMs ?? 1000,
      pollInterval: options.pollIntervalMs ?? 100,
    },
    // Polling-free inotify/FSEvents; chokidar falls back by itself where needed.
    usePolling: false,
    // A link is reported as itself, never its target: ingest refuses it as not_regular_file.
    followSymlinks: false,
  });
  const report = (file: string) => options.onFile(path.relative(dataDir, file).split(path.sep).join('/'));
  watcher.on('add', report);
  // A copy over an existing name is a change, and it may carry new bytes.
  watcher.on('change', report);
  watcher.on('error', (error) => options.onError?.(error));
  let isReady = () => {};
  const ready = new Promise<void>((resolve) => {
    isReady = resolve;
  });
  watcher.once('ready', isReady);
  return {
    ready,
    pendingWrites: () => watcher._pendingWrites.size,
    async close() {
      await watcher.close();
      // Closed before the initial scan ended: nothing more will come, so nobody should wait for it.
      isReady();
    },
  };
}
