/**
 * sluice.config.json: the options of CONFIG_OPTIONS under their camelCase keys.
 * The file is read once and turned into the variables it stands for; the real
 * environment wins over it, so one run can override a checked-in setting.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, errorMessage } from '../core/errors.js';
import { CONFIG_OPTIONS, fileKeyOf } from './config-options.js';

export const CONFIG_FILE_NAME = 'sluice.config.json';

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const value = z.union([scalar, z.array(z.string()).min(1), z.record(z.string(), z.unknown())]);

const byKey = new Map(CONFIG_OPTIONS.map((option) => [fileKeyOf(option.env), option]));

export interface ConfigFile {
  readonly path: string;
  /** The file's options as environment variables. */
  readonly env: Readonly<Record<string, string>>;
}

function asEnvValue(raw: z.infer<typeof value>): string {
  if (Array.isArray(raw)) return raw.join(', ');
  if (typeof raw === 'object') return JSON.stringify(raw);
  return String(raw);
}

export function parseConfigFile(text: string, file: string): ConfigFile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file} is not valid JSON: ${errorMessage(error)}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(`${file} must hold one JSON object of options`);
  }
  const env: Record<string, string> = {};
  for (const [key, raw] of Object.entries(json)) {
    // Editors use "$schema" for completion; it is not an option.
    if (key === '$schema') continue;
    const option = byKey.get(key);
    if (option === undefined) {
      throw new ConfigError(
        `${file}: unknown option "${key}"; known options: ${[...byKey.keys()].join(', ')}`,
      );
    }
    if (option.secret) {
      throw new ConfigError(
        `${file}: "${key}" is a secret; set ${option.env} in the environment instead of a file that may be committed`,
      );
    }
    const parsed = value.safeParse(raw);
    if (!parsed.success) {
      throw new ConfigError(`${file}: "${key}" must be a string, number, boolean, list of strings or object`);
    }
    env[option.env] = asEnvValue(parsed.data);
  }
  return { path: file, env };
}

/**
 * The file named by SLUICE_CONFIG (an error when missing), else
 * ./sluice.config.json when there is one, else nothing.
 */
export function findConfigFile(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string | undefined {
  const named = env.SLUICE_CONFIG?.trim();
  if (named) {
    const file = path.resolve(cwd, named);
    if (!existsSync(file)) throw new ConfigError(`SLUICE_CONFIG names ${file}, which does not exist`);
    return file;
  }
  const beside = path.join(cwd, CONFIG_FILE_NAME);
  return existsSync(beside) ? beside : undefined;
}

export function loadConfigFile(file: string): ConfigFile {
  return parseConfigFile(readFileSync(file, 'utf8'), file);
}

/** The environment with the config file's options beneath it: the variables every loader reads. */
export function configEnv(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): NodeJS.ProcessEnv {
  const file = findConfigFile(env, cwd);
  if (file === undefined) return env;
  const defined = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  return { ...loadConfigFile(file).env, ...defined };
}
