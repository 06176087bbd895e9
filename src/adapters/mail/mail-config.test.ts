import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportMessage } from '../../../test/helpers/mail-fixtures.js';
import { errorCode } from '../../core/errors.js';
import { createMailer } from './create-mailer.js';
import { loadMailConfig } from './mail-config.js';
import { createSesClient } from './mailer.ses.js';

const dataDir = '/var/sluice';
const load = (env: Record<string, string>) => loadMailConfig(env, { dataDir });

function configError(env: Record<string, string>): Error {
  try {
    load(env);
  } catch (error) {
    expect(errorCode(error)).toBe('CONFIG.INVALID');
    return error as Error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadMailConfig', () => {
  it('defaults to the outbox under the data folder, with the default sender, recipient and subject', () => {
    expect(load({})).toEqual({
      mailer: 'outbox',
      outboxDir: path.join(dataDir, 'outbox'),
      from: 'sluice <sluice@localhost>',
      to: ['reports@localhost'],
      subjectTemplate: '[sluice] {dataset}: {headline}',
    });
  });

  it('splits SLUICE_MAIL_TO on commas but not on a comma inside a quoted display name', () => {
    const config = load({ SLUICE_MAIL_TO: ' ops@example.test, "Doe, Jane" <jane@example.test>,' });
    expect(config.to).toEqual(['ops@example.test', '"Doe, Jane" <jane@example.test>']);
  });

  it('reads an SMTP relay with credentials and then requires STARTTLS', () => {
    const config = load({
      SLUICE_MAILER: 'smtp',
      SLUICE_SMTP_HOST: 'smtp.example.test',
      SLUICE_SMTP_USER: 'sluice',
      SLUICE_SMTP_PASS: 's3cret',
    });
    expect(config).toMatchObject({
      mailer: 'smtp',
      smtp: {
        host: 'smtp.example.test',
        port: 587,
        secure: false,
        requireTLS: true,
        auth: { user: 'sluice', pass: 's3cret' },
      },
    });
  });

  it('takes the SMTP password as written, surrounding spaces included', () => {
    const config = load({
      SLUICE_MAILER: 'smtp',
      SLUICE_SMTP_HOST: 'localhost',
      SLUICE_SMTP_USER: 'sluice',
      SLUICE_SMTP_PASS: ' s3cret ',
    });
    expect(config.mailer === 'smtp' && config.smtp.auth?.pass).toBe(' s3cret ');
  });

  it('turns implicit TLS on for port 465 unless SLUICE_SMTP_SECURE says otherwise', () => {
    const smtp = (env: Record<string, string>) => {
      const config = load({ SLUICE_MAILER: 'smtp', SLUICE_SMTP_HOST: 'localhost', ...env });
      return config.mailer === 'smtp' ? config.smtp : undefined;
    };
    expect(smtp({ SLUICE_SMTP_PORT: '465' })).toMatchObject({ port: 465, secure: true, requireTLS: false });
    expect(smtp({ SLUICE_SMTP_PORT: '465', SLUICE_SMTP_SECURE: 'false' })?.secure).toBe(false);
    expect(smtp({ SLUICE_SMTP_PORT: '1025' })).toEqual({
      host: 'localhost',
      port: 1025,
      secure: false,
      requireTLS: false,
    });
  });

  it('reads SES with its own region or AWS_REGION, and the configuration set', () => {
    expect(load({ SLUICE_MAILER: 'ses', AWS_REGION: 'eu-west-1' })).toMatchObject({
      mailer: 'ses',
      ses: { region: 'eu-west-1' },
    });
    expect(
      load({
        SLUICE_MAILER: 'ses',
        SLUICE_SES_REGION: 'us-east-2',
        AWS_REGION: 'eu-west-1',
        SLUICE_SES_CONFIGURATION_SET: 'reports',
      }),
    ).toMatchObject({ ses: { region: 'us-east-2', configurationSetName: 'reports' } });
  });

  it('treats an empty variable as unset', () => {
    expect(load({ SLUICE_MAILER: '', SLUICE_MAIL_TO: ' ', SLUICE_OUTBOX_DIR: '' })).toMatchObject({
      mailer: 'outbox',
      to: ['reports@localhost'],
      outboxDir: path.join(dataDir, 'outbox'),
    });
  });

  it.each([
    [{ SLUICE_MAILER: 'smtp' }, 'SLUICE_SMTP_HOST: required when SLUICE_MAILER=smtp'],
    [{ SLUICE_MAILER: 'ses' }, 'SLUICE_SES_REGION: required when SLUICE_MAILER=ses'],
    [{ SLUICE_MAILER: 'sendgrid' }, 'SLUICE_MAILER:'],
    [{ SLUICE_MAIL_TO: 'ops@example.test, not-an-address' }, 'SLUICE_MAIL_TO: must be one address'],
    [{ SLUICE_MAIL_FROM: 'a@example.test, b@example.test' }, 'SLUICE_MAIL_FROM: must be one address'],
    [{ SLUICE_MAIL_SUBJECT: '{dataset} {weather}' }, 'SLUICE_MAIL_SUBJECT: placeholders are'],
    [{ SLUICE_SMTP_PORT: '70000' }, 'SLUICE_SMTP_PORT:'],
    [{ SLUICE_SMTP_SECURE: 'perhaps' }, 'SLUICE_SMTP_SECURE:'],
    [{ SLUICE_SMTP_USER: 'sluice' }, 'SLUICE_SMTP_PASS: required when SLUICE_SMTP_USER is set'],
  ])('names the variable in error for %o', (env, expected) => {
    expect(configError(env).message).toContain(expected);
  });

  it('names every bad variable at once and never echoes the password', () => {
    const error = configError({ SLUICE_MAILER: 'smtp', SLUICE_SMTP_PASS: 'hunter2', SLUICE_SMTP_PORT: 'x' });
    expect(error.message).toContain('SLUICE_SMTP_HOST');
    expect(error.message).toContain('SLUICE_SMTP_PORT');
    expect(error.message).toContain('SLUICE_SMTP_USER');
    expect(error.message).not.toContain('hunter2');
  });
});

describe('createMailer', () => {
  it('builds the adapter the configuration names', () => {
    expect(createMailer(load({})).name).toBe('outbox');
    expect(createMailer(load({ SLUICE_MAILER: 'smtp', SLUICE_SMTP_HOST: 'localhost' })).name).toBe('smtp');
    const sesClient = createSesClient({ region: 'eu-west-1' });
    expect(createMailer(load({ SLUICE_MAILER: 'ses', AWS_REGION: 'eu-west-1' }), { sesClient }).name).toBe(
      'ses',
    );
  });

  it('gives an outbox mailer that writes where SLUICE_OUTBOX_DIR says', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sluice-mail-config-'));
    try {
      const mailer = createMailer(load({ SLUICE_OUTBOX_DIR: dir }));
      const sent = await mailer.send(reportMessage());
      expect(path.dirname(sent.files!.eml)).toBe(dir);
      expect((await readFile(sent.files!.eml)).length).toBeGreaterThan(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
