/**
 * `sluice dev`: watches `<data-dir>/inputs/`, runs every file through the
 * pipeline, and serves the dashboard until Ctrl-C. The first line it prints is
 * `sluice dev: dashboard on http://127.0.0.1:<port>` (tools parse it), then one
 * line per finished run.
 */
import { spawn } from 'node:child_process';
import { startDev } from '../../dev/start-dev.js';
import type { LocalConfig } from '../../local/config.js';
import type { CliIo } from '../io.js';

export interface DevCommandOptions {
  readonly port?: number;
  readonly host?: string;
  /** Commander's `--no-open` sets this false. */
  readonly open?: boolean;
}

/** After a stop, work that never finished (a hung model call) must not keep the process alive. */
const EXIT_AFTER_STOP_MS = 1000;

function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '', url]]
        : ['xdg-open', [url]];
  const child = spawn(command, args as string[], { detached: true, stdio: 'ignore' });
  // No browser opener installed is fine: the URL is printed.
  child.on('error', () => undefined);
  child.unref();
}

export async function devCommand(
  config: LocalConfig,
  dataDir: string,
  options: DevCommandOptions,
  io: CliIo,
): Promise<number> {
  const print = (line: string) => io.stdout.write(`${line}\n`);
  const dev = await startDev({
    dataDir,
    config,
    ...(options.port !== undefined ? { port: options.port } : {}),
    ...(options.host !== undefined ? { host: options.host } : {}),
    print,
  });
  if (options.open !== false && io.stdout.isTTY) openBrowser(dev.url);
  return new Promise<number>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        io.stderr.write(`sluice dev: ${signal} again, quitting without waiting\n`);
        process.exit(130);
      }
      stopping = true;
      print(
        `sluice dev: ${signal}, stopping; running work gets a few seconds to finish (Ctrl-C again to quit now)`,
      );
      void dev.close().then(
        (report) => {
          print(
            report.finished
              ? 'sluice dev: stopped; all work finished'
              : `sluice dev: stopped; gave back ${report.releasedClaims.length} claim(s) of unfinished work, which the next start picks up`,
          );
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          setTimeout(() => process.exit(0), EXIT_AFTER_STOP_MS).unref();
          resolve(0);
        },
        (error: unknown) => {
          io.stderr.write(`sluice dev: could not stop cleanly: ${String(error)}\n`);
          resolve(1);
        },
      );
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
