import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailEnvSchema } from '../adapters/mail/index.js';
import { ConfigError } from '../core/errors.js';
import { LocalConfigSchema, loadLocalConfig } from '../local/config.js';
import { CONFIG_FILE_NAME, configEnv, parseConfigFile } from '../local/config-file.js';
import { CONFIG_OPTIONS, fileKeyOf } from '../local/config-options.js';
import { effectiveConfig } from './commands/config.js';
import { FetchEnvSchema } from './commands/fetch.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const writeConfig = (body: unknown, name = CONFIG_FILE_NAME) =>
  writeFile(path.join(dir, name), typeof body === 'string' ? body : JSON.stringify(body));

describe('CONFIG_OPTIONS', () => {
  it('names exactly the variables the local, mail and fetch schemas validate', () => {
    const schemaVars = new Set([
      ...Object.keys(LocalConfigSchema.shape),
      ...Object.keys(MailEnvSchema.shape),
      ...Object.keys(FetchEnvSchema.shape),
    ]);
    const listed = CONFIG_OPTIONS.map((o) => o.env);
    expect(new Set(listed)).toEqual(schemaVars);
    expect(listed).toHaveLength(new Set(listed).size);
  });

  it('derives camelCase file keys from the variable names', () => {
    expect(fileKeyOf('SLUICE_MAIL_TO')).toBe('mailTo');
    expect(fileKeyOf('AWS_REGION')).toBe('awsRegion');
    expect(fileKeyOf('SLUICE_DATA_DIR')).toBe('dataDir');
  });
});

describe('sluice.config.json', () => {
  it('is read from the working directory when present, under the environment', async () => {
    await writeConfig({ dataDir: 'from-file', logLevel: 'info', analyst: 'offline' });
    const config = loadLocalConfig(configEnv({ SLUICE_LOG_LEVEL: 'error' }, dir));
    expect(config.SLUICE_DATA_DIR).toBe('from-file');
    expect(config.SLUICE_LOG_LEVEL).toBe('error');
  });

  it('is optional: without one the defaults apply', () => {
    expect(loadLocalConfig(configEnv({}, dir)).SLUICE_DATA_DIR).toBe('.sluice');
  });

  it('counts an empty environment variable as unset, so the file value stands', async () => {
    await writeConfig({ logLevel: 'debug' });
    expect(loadLocalConfig(configEnv({ SLUICE_LOG_LEVEL: '' }, dir)).SLUICE_LOG_LEVEL).toBe('debug');
  });

  it('is taken from SLUICE_CONFIG, which must exist', async () => {
    await writeConfig({ maxBytes: 1024 }, 'custom.json');
    expect(loadLocalConfig(configEnv({ SLUICE_CONFIG: 'custom.json' }, dir)).SLUICE_MAX_BYTES).toBe(1024);
    expect(() => configEnv({ SLUICE_CONFIG: 'missing.json' }, dir)).toThrow(/does not exist/);
  });

  it('turns lists and objects into the variables they stand for', () => {
    const { env } = parseConfigFile(
      JSON.stringify({
        mailTo: ['a@example.com', 'b@example.com'],
        prices: { m: { inputPer1k: 1, outputPer1k: 2 } },
        smtpPort: 2525,
        smtpSecure: true,
      }),
      'x.json',
    );
    expect(env).toEqual({
      SLUICE_MAIL_TO: 'a@example.com, b@example.com',
      SLUICE_PRICES: '{"m":{"inputPer1k":1,"outputPer1k":2}}',
      SLUICE_SMTP_PORT: '2525',
      SLUICE_SMTP_SECURE: 'true',
    });
    const config = loadLocalConfig(env);
    expect(config.SLUICE_PRICES?.m).toEqual({ inputPer1k: 1, outputPer1k: 2 });
  });

  it('refuses an unknown key and lists the known ones', () => {
    expect(() => parseConfigFile('{"dataDri": "x"}', 'x.json')).toThrow(/unknown option "dataDri".*dataDir/);
  });

  it('refuses secrets, which belong in the environment', () => {
    expect(() => parseConfigFile('{"smtpPass": "hunter2"}', 'x.json')).toThrow(
      /secret; set SLUICE_SMTP_PASS in the environment/,
    );
  });

  it('refuses invalid JSON and a non-object with the file name', () => {
    expect(() => parseConfigFile('{"dataDir":', 'x.json')).toThrow(ConfigError);
    expect(() => parseConfigFile('{"dataDir":', 'x.json')).toThrow(/x\.json is not valid JSON/);
    expect(() => parseConfigFile('[1]', 'x.json')).toThrow(/one JSON object/);
  });

  it('names both the variable and the file key when a value is invalid', async () => {
    await writeConfig({ logLevel: 'loud' });
    expect(() => loadLocalConfig(configEnv({}, dir))).toThrow(/SLUICE_LOG_LEVEL \(config key logLevel\)/);
  });

  it('ignores $schema, which editors use for completion', () => {
    expect(parseConfigFile('{"$schema": "./x.json"}', 'x.json').env).toEqual({});
  });
});

describe('sluice config', () => {
  it('shows each value with its source and masks secrets', async () => {
    await writeConfig({ logLevel: 'info' });
    const shown = effectiveConfig({ SLUICE_ANALYST: 'offline', SLUICE_SMTP_PASS: 'hunter2' }, dir);
    const byEnv = Object.fromEntries(shown.options.map((o) => [o.env, o]));
    expect(shown.file).toBe(path.join(dir, CONFIG_FILE_NAME));
    expect(byEnv.SLUICE_LOG_LEVEL).toMatchObject({ value: 'info', source: 'file', key: 'logLevel' });
    expect(byEnv.SLUICE_ANALYST).toMatchObject({ value: 'offline', source: 'environment' });
    expect(byEnv.SLUICE_DATA_DIR).toMatchObject({ value: null, source: 'default' });
    expect(byEnv.SLUICE_SMTP_PASS?.value).toBe('********');
  });
});
