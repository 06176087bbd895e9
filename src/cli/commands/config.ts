/** `sluice config`: every option's effective value and where it came from, secrets masked. */
import { loadMailConfig } from '../../adapters/mail/mail-config.js';
import { errorMessage } from '../../core/errors.js';
import { loadLocalConfig } from '../../local/config.js';
import { configEnv, findConfigFile, loadConfigFile } from '../../local/config-file.js';
import { CONFIG_OPTIONS, fileKeyOf } from '../../local/config-options.js';
import type { CliIo } from '../io.js';

export interface EffectiveOption {
  readonly env: string;
  readonly key: string;
  readonly value: string | null;
  readonly source: 'environment' | 'file' | 'default';
}

export interface EffectiveConfig {
  readonly file: string | null;
  readonly options: readonly EffectiveOption[];
}

export function effectiveConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): EffectiveConfig {
  const file = findConfigFile(env, cwd);
  const fromFile = file === undefined ? {} : loadConfigFile(file).env;
  return {
    file: file ?? null,
    options: CONFIG_OPTIONS.map((option) => {
      const fromEnv = env[option.env];
      const [value, source] =
        fromEnv !== undefined && fromEnv !== ''
          ? [fromEnv, 'environment' as const]
          : fromFile[option.env] !== undefined
            ? [fromFile[option.env] as string, 'file' as const]
            : [null, 'default' as const];
      return {
        env: option.env,
        key: fileKeyOf(option.env),
        value: option.secret && value !== null ? '********' : value,
        source,
      };
    }),
  };
}

export function printConfig(config: EffectiveConfig, json: boolean, io: CliIo): void {
  if (json) {
    io.stdout.write(`${JSON.stringify(config, null, 2)}\n`);
    return;
  }
  io.stdout.write(`config file: ${config.file ?? '(none)'}\n`);
  const width = Math.max(...config.options.map((o) => o.env.length));
  const defaults = new Map(CONFIG_OPTIONS.map((o) => [o.env, o.default.replaceAll('`', '')]));
  for (const option of config.options) {
    const shown = option.value === null ? (defaults.get(option.env) ?? '(default)') : option.value;
    io.stdout.write(`${option.env.padEnd(width)}  ${shown}  [${option.source}]\n`);
  }
}

/**
 * Why the options as set would be refused at a command's start (the first
 * problem, naming the variable and what it accepts), or undefined when none would.
 */
export function configProblem(env: NodeJS.ProcessEnv = configEnv()): string | undefined {
  try {
    const config = loadLocalConfig(env);
    loadMailConfig(env, { dataDir: config.SLUICE_DATA_DIR });
    return undefined;
  } catch (error) {
    return errorMessage(error);
  }
}

/** Prints the options; exit 2 with the reason when a value is invalid, as every other command would refuse it. */
export function configCommand(options: { json?: boolean }, io: CliIo): number {
  printConfig(effectiveConfig(), options.json === true, io);
  const problem = configProblem();
  if (problem === undefined) return 0;
  io.stderr.write(`sluice: ${problem}\n`);
  return 2;
}
