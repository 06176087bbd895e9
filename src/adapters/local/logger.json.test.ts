import { describe, expect, it } from 'vitest';
import { ObjectNotFoundError } from '../../core/errors.js';
import { createJsonLogger } from './logger.json.js';

const capture = () => {
  const lines: string[] = [];
  const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { lines, records, write: (line: string) => lines.push(line) };
};

const clock = { now: () => Date.parse('2024-05-01T12:00:00.000Z') };

describe('createJsonLogger', () => {
  it('writes one JSON object per line with level, message, timestamp and fields', () => {
    const out = capture();
    createJsonLogger({ write: out.write, clock, fields: { service: 'sluice' } }).info('ingest done', {
      rows: 3,
    });
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toBe(
      '{"level":"info","message":"ingest done","timestamp":"2024-05-01T12:00:00.000Z","service":"sluice","rows":3}',
    );
  });

  it('drops lines below the configured level, info by default', () => {
    const out = capture();
    const logger = createJsonLogger({ write: out.write });
    logger.debug('hidden');
    logger.info('shown');
    const strict = createJsonLogger({ write: out.write, level: 'warn' });
    strict.info('hidden too');
    strict.warn('warned');
    strict.error('failed');
    expect(out.records().map((r) => r.message)).toEqual(['shown', 'warned', 'failed']);
  });

  it('merges child fields over the parent fields', () => {
    const out = capture();
    const parent = createJsonLogger({ write: out.write, fields: { service: 'sluice', stage: 'ingest' } });
    parent.child({ stage: 'analyze', correlationId: 'abc' }).info('hello');
    parent.info('parent unchanged');
    expect(out.records()).toMatchObject([
      { service: 'sluice', stage: 'analyze', correlationId: 'abc' },
      { service: 'sluice', stage: 'ingest' },
    ]);
    expect(out.records()[1]).not.toHaveProperty('correlationId');
  });

  it('serializes errors in fields as name, message and code', () => {
    const out = capture();
    const logger = createJsonLogger({ write: out.write });
    logger.error('failed', {
      error: new ObjectNotFoundError('a/b'),
      nested: { plain: new TypeError('bad') },
    });
    expect(out.records()[0]).toMatchObject({
      error: { name: 'ObjectNotFoundError', message: 'no object at "a/b"', code: 'STORE.NOT_FOUND' },
      nested: { plain: { name: 'TypeError', message: 'bad' } },
    });
  });

  it('keeps the envelope when fields try to overwrite it', () => {
    const out = capture();
    createJsonLogger({ write: out.write, clock }).warn('real', { level: 'error', message: 'fake' });
    expect(out.records()[0]).toMatchObject({ level: 'warn', message: 'real' });
  });

  it('never throws on fields JSON cannot represent', () => {
    const out = capture();
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const logger = createJsonLogger({ write: out.write });
    expect(() => logger.info('odd', { big: 10n, circular })).not.toThrow();
    expect(out.records()[0]).toMatchObject({ level: 'info', message: 'odd', logError: expect.any(String) });
  });

  it('writes bigint fields as strings', () => {
    const out = capture();
    createJsonLogger({ write: out.write }).info('count', { big: 12345678901234567890n });
    expect(out.records()[0]).toMatchObject({ big: '12345678901234567890' });
  });
});
