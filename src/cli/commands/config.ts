/** `sluice config`: every option's effective value and where it came from, secrets masked. */
import { findConfigFile, loadConfigFile } from '../../local/config-file.js';
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
  for (const option of config.options) {
    const shown = option.value === null ? '(default)' : option.value;
    io.stdout.write(`${option.env.padEnd(width)}  ${shown}  [${option.source}]\n`);
  }
}
