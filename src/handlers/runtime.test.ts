import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setHandlerEnv } from '../../test/helpers/aws-events.js';
import { createRuntime } from './runtime.js';

const COMMON = {
  SLUICE_BUCKET: 'sluice-data',
  SLUICE_TABLE: 'sluice-state',
  SLUICE_EVENT_BUS: 'sluice-test',
  AWS_REGION: 'us-east-1',
};

let restore: (() => void) | undefined;
afterEach(() => restore?.());

describe('handler cold start', () => {
  it('fails the import with the name of a missing variable', async () => {
    restore = setHandlerEnv({ ...COMMON, SLUICE_TABLE: undefined });
    vi.resetModules();
    await expect(import('./ingest.js')).rejects.toThrow(/SLUICE_TABLE is missing/);
  });

  it('fails the notify handler without its mail settings', async () => {
    restore = setHandlerEnv({ ...COMMON, SLUICE_MAIL_FROM: 'a@example.com', SLUICE_MAIL_TO: undefined });
    vi.resetModules();
    await expect(import('./notify.js')).rejects.toThrow(/SLUICE_MAIL_TO is missing/);
  });

  it('names a mail address that is not one', () => {
    expect(() =>
      createRuntime('notify', {
        ...COMMON,
        SLUICE_MAIL_FROM: 'a@example.com',
        SLUICE_MAIL_TO: 'not an address',
      }),
    ).toThrow(/SLUICE_MAIL_TO/);
  });

  it('reads the JSON contracts packaged in LAMBDA_TASK_ROOT/datasets beside the built-ins', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sluice-task-root-'));
    try {
      mkdirSync(path.join(root, 'datasets'));
      const document = {
        dataset: 'sensors',
        title: 'Sensors',
        format: 'csv',
        columns: [{ name: 'id', type: 'string' }],
      };
      writeFileSync(path.join(root, 'datasets', 'sensors.json'), JSON.stringify(document));
      const runtime = createRuntime('ingest', { ...COMMON, LAMBDA_TASK_ROOT: root });
      expect(runtime.contracts.byId('sensors')?.origin.kind).toBe('file');
      expect(runtime.contracts.has('health-vitals')).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('fails the cold start on a packaged contract that is no JSON document, naming the file', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'sluice-task-root-'));
    try {
      mkdirSync(path.join(root, 'datasets'));
      writeFileSync(path.join(root, 'datasets', 'sensors.yaml'), 'dataset: sensors\n');
      writeFileSync(path.join(root, 'datasets', 'broken.json'), '{"dataset": ');
      writeFileSync(
        path.join(root, 'datasets', 'wrong.json'),
        JSON.stringify({ dataset: 'wrong', format: 'csv' }),
      );
      expect(() => createRuntime('analyze', { ...COMMON, LAMBDA_TASK_ROOT: root })).toThrow(
        /broken\.json: not JSON[\s\S]*sensors\.yaml: a deployed contract is a JSON document[\s\S]*wrong\.json: /,
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('names SLUICE_PRICES when it is not a price table', () => {
    expect(() => createRuntime('analyze', { ...COMMON, SLUICE_PRICES: '{"m": 1}' })).toThrow(/SLUICE_PRICES/);
  });

  it('builds no mailer for a handler that sends no mail', async () => {
    const runtime = createRuntime('ingest', COMMON);
    await expect(runtime.mailer()).rejects.toThrow(/sends no mail/);
  });

  it('builds each port once per container', async () => {
    const runtime = createRuntime('analyze', { ...COMMON, SLUICE_ANALYST: 'offline' });
    expect(runtime.store()).toBe(runtime.store());
    expect(runtime.state()).toBe(runtime.state());
    expect(await runtime.analyst()).toBeUndefined();
  });
});
