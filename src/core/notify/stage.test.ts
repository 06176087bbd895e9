import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filesEndingWith, readBytes } from '../../../test/helpers/files.js';
import { makeTestPorts, type TestPorts } from '../../../test/helpers/local-ports.js';
import { ResvgRasterizer } from '../../adapters/local/chart-rasterizer.resvg.js';
import { OutboxMailer } from '../../adapters/mail/index.js';
import { twelveDataSample } from '../../samples/twelvedata.generator.js';
import { analyzeIngested } from '../analyze/stage.js';
import { IngestCompletedSchema } from '../events.js';
import { ingestObject } from '../ingest/stage.js';
import { claimKeys } from '../keys.js';
import type { Mailer, MailMessage } from '../ports.js';
import { type NotifyDeps, type NotifyOptions, notifyAnalysis } from './stage.js';
import { DEFAULT_NOTIFY_TIMING } from './timing.js';

const options: NotifyOptions = {
  ...DEFAULT_NOTIFY_TIMING,
  mail: {
    from: 'sluice <sluice@example.com>',
    to: ['ops@example.com', 'desk@example.com'],
    subjectTemplate: 'Report {dataset}: {headline}',
  },
};

const rasterizer = new ResvgRasterizer();

describe('notify stage', () => {
  let ports: TestPorts;
  let id: string;
  let outbox: string;
  let deps: NotifyDeps;

  beforeEach(async () => {
    ports = await makeTestPorts();
    await ports.store.put('inputs/sample.json', twelveDataSample());
    await ingestObject(ports, { key: 'inputs/sample.json', requestId: 'ingest-1' });
    const event = IngestCompletedSchema.parse(ports.bus.published[0]?.detail);
    await analyzeIngested(ports, { event, requestId: 'analyze-1' });
    id = event.id;
    outbox = path.join(ports.root, 'outbox');
    deps = { ...ports, mailer: new OutboxMailer({ dir: outbox }), rasterizer };
  });
  afterEach(async () => {
    await ports.cleanup();
  });

  const emails = () => filesEndingWith(outbox, '.eml');

  it('sends a multipart report whose inline charts are referenced by cid, to the configured recipients', async () => {
    const result = await notifyAnalysis(deps, { id, requestId: 'n-1' }, options);
    expect(result.outcome).toBe('sent');
    const [eml] = await emails();
    const raw = await readBytes(path.join(outbox, eml as string));
    expect(raw.toString('latin1')).toMatch(/Content-Type: multipart\/alternative/);
    const mail = await simpleParser(raw, { keepCidLinks: true });
    expect(mail.subject).toMatch(/^Report twelvedata-ohlcv: /);
    expect(
      (Array.isArray(mail.to) ? mail.to : [mail.to]).flatMap((t) => t?.value.map((v) => v.address)),
    ).toEqual(options.mail.to);
    expect(mail.text).toContain('twelvedata-ohlcv');
    const cids = [...(mail.html || '').matchAll(/src="cid:([^"]+)"/g)].map((m) => m[1]);
    expect(cids.length).toBeGreaterThan(0);
    const inline = mail.attachments.filter((a) => a.contentType === 'image/png').map((a) => a.cid);
    for (const cid of cids) expect(inline).toContain(cid);
    expect(mail.headers.get('x-sluice-correlation-id')).toContain(id);
    expect(mail.messageId).toBe(`<report.${id}@sluice>`);
  });

  it('sends exactly one email when the same analysis is delivered 50 times at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        notifyAnalysis({ ...deps, state: ports.anotherState() }, { id, requestId: `n-${i}` }, options),
      ),
    );
    expect(results.filter((r) => r.outcome === 'sent')).toHaveLength(1);
    expect(await emails()).toHaveLength(1);
  });

  it('answers a later duplicate trigger with the stored notification and sends nothing', async () => {
    const first = await notifyAnalysis(deps, { id, requestId: 'n-1' }, options);
    const again = await notifyAnalysis(deps, { id, requestId: 'n-2' }, options);
    expect(again).toEqual({ outcome: 'duplicate', notification: first.notification });
    expect(await emails()).toHaveLength(1);
  });

  it('recovers a claim left by a crash before sending once it expires, with one email', async () => {
    await ports.anotherState().claim(claimKeys.notify(id), {
      owner: 'notify:crashed',
      now: ports.clock.now(),
      ttlMs: options.claimTtlMs,
    });
    expect((await notifyAnalysis(deps, { id, requestId: 'n-1' }, options)).outcome).toBe('in_progress');
    expect(await emails()).toHaveLength(0);
    ports.clock.advance(options.claimTtlMs + 1);
    expect((await notifyAnalysis(deps, { id, requestId: 'n-2' }, options)).outcome).toBe('sent');
    expect(await emails()).toHaveLength(1);
  });

  it('releases the claim when the mailer fails, so the retry sends', async () => {
    let calls = 0;
    const flaky: Mailer = {
      name: 'flaky',
      async send(message: MailMessage) {
        calls++;
        if (calls === 1) throw new Error('connection reset');
        return deps.mailer.send(message);
      },
    };
    await expect(
      notifyAnalysis({ ...deps, mailer: flaky }, { id, requestId: 'n-1' }, options),
    ).rejects.toThrow('connection reset');
    expect(
      (await notifyAnalysis({ ...deps, mailer: flaky }, { id, requestId: 'n-2' }, options)).outcome,
    ).toBe('sent');
    expect(await emails()).toHaveLength(1);
  });

  it('sends again only when forced, with a new Message-ID', async () => {
    await notifyAnalysis(deps, { id, requestId: 'n-1' }, options);
    const forced = await notifyAnalysis(deps, { id, requestId: 'n-2', force: true }, options);
    expect(forced.outcome).toBe('sent');
    expect(forced.notification?.messageId).toContain('n-2');
    expect(await emails()).toHaveLength(2);
  });

  it('does nothing and keeps no claim for an id with no stored analysis', async () => {
    const missing = 'f'.repeat(64);
    expect((await notifyAnalysis(deps, { id: missing, requestId: 'n-1' }, options)).outcome).toBe(
      'no_analysis',
    );
    expect(await ports.state.getClaim(claimKeys.notify(missing))).toBeUndefined();
  });
});
