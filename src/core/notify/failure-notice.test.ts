import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filesEndingWith, readBytes } from '../../../test/helpers/files.js';
import { makeTestPorts, type TestPorts } from '../../../test/helpers/local-ports.js';
import { OutboxMailer } from '../../adapters/mail/index.js';
import { loadContractText } from '../contracts/parse-document.js';
import { ContractSet } from '../datasets/registry.js';
import { ingestObject } from '../ingest/stage.js';
import { keys } from '../keys.js';
import {
  type FailureNoticeOptions,
  NOTICE_ROWS,
  needsFailureNotice,
  renderFailureNotice,
  sendFailureNotice,
} from './failure-notice.js';

const options: FailureNoticeOptions = {
  from: 'sluice@example.com',
  to: ['ops@example.com'],
  rejectPctThreshold: 20,
  claimTtlMs: 60_000,
  retainMs: 86_400_000,
};

const HEADER = 'symbol,datetime,open,high,low,close,volume';
const goodRow = (day: number) => `ACME,2024-03-${String(day).padStart(2, '0')},10,11,9,10.5,1000`;

describe('failure notices', () => {
  let ports: TestPorts;
  let outbox: string;
  beforeEach(async () => {
    ports = await makeTestPorts();
    outbox = path.join(ports.root, 'outbox');
  });
  afterEach(() => ports.cleanup());

  const ingest = async (key: string, body: string) => {
    await ports.store.put(key, body);
    const { manifest } = await ingestObject(ports, { key, requestId: 'i-1' });
    if (!manifest) throw new Error('no manifest');
    return manifest;
  };
  const deps = () => ({ ...ports, mailer: new OutboxMailer({ dir: outbox }) });
  const mails = async () =>
    Promise.all(
      (await filesEndingWith(outbox, '.eml')).map(async (f) =>
        simpleParser(await readBytes(path.join(outbox, f))),
      ),
    );

  it('mails a refused file once, naming the file, reason, counts and the replay command', async () => {
    const manifest = await ingest('inputs/mystery.csv', 'a,b,c\n1,2,3\n');
    expect(manifest.status).toBe('rejected');
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        sendFailureNotice(
          { ...deps(), state: ports.anotherState() },
          { manifestKey: keys.manifest(manifest.id), requestId: `n-${i}` },
          options,
        ),
      ),
    );
    expect(results.filter((r) => r.outcome === 'sent')).toHaveLength(1);
    const again = await sendFailureNotice(
      deps(),
      { manifestKey: keys.manifest(manifest.id), requestId: 'later' },
      options,
    );
    expect(again.outcome).toBe('already_sent');
    const [mail, ...more] = await mails();
    expect(more).toHaveLength(0);
    expect(mail?.subject).toBe('sluice: inputs/mystery.csv was refused (unknown_dataset)');
    expect(mail?.text).toContain(`sluice replay ${manifest.id}`);
    expect(mail?.html).toContain('<code>unknown_dataset</code>');
    expect(mail?.messageId).toBe(`<failure-${manifest.id}@sluice>`);
  });

  it('mails a file over the reject threshold with counts per reason and its first rejected rows, escaped', async () => {
    const bad = Array.from({ length: 14 }, (_, i) => `ACME,<script>x${i}</script>,10,11,9,10.5,1000`);
    const manifest = await ingest('inputs/half.csv', [HEADER, goodRow(1), goodRow(4), ...bad].join('\n'));
    expect(manifest.counts).toMatchObject({ valid: 2, rejected: 14, rejectPct: 87.5 });
    const sent = await sendFailureNotice(
      deps(),
      { manifestKey: keys.manifest(manifest.id), requestId: 'n' },
      options,
    );
    expect(sent.outcome).toBe('sent');
    const [mail] = await mails();
    expect(mail?.subject).toBe('sluice: inputs/half.csv had 87.5% of its rows rejected');
    expect(mail?.text).toContain('invalid_datetime: 14');
    expect(mail?.text).toContain(`sluice replay ${manifest.id} --rejects`);
    const quoted = (mail?.text ?? '').split('\n').filter((l) => l.startsWith('  line '));
    expect(quoted).toHaveLength(NOTICE_ROWS);
    expect(mail?.html).not.toContain('<script>');
    expect(mail?.html).toContain('&lt;script&gt;x0&lt;/script&gt;');
  });

  it('sends nothing for a file at or under the threshold', async () => {
    const manifest = await ingest('inputs/fine.csv', [HEADER, goodRow(1), goodRow(4), goodRow(5)].join('\n'));
    expect(needsFailureNotice(manifest, 20)).toBe(false);
    const sent = await sendFailureNotice(
      deps(),
      { manifestKey: keys.manifest(manifest.id), requestId: 'n' },
      options,
    );
    expect(sent.outcome).toBe('below_threshold');
    expect(await mails()).toHaveLength(0);
  });

  it('quotes rows of any shape without trusting them', async () => {
    const manifest = await ingest('inputs/x.json', '{"values": [');
    const notice = renderFailureNotice({
      manifest,
      rejectedRows: [null, 'text', { line: 7, reasons: 'no', raw: { a: 'x'.repeat(1000) } }],
      replayCommand: 'sluice replay x',
    });
    expect(notice.text).toContain('line ? []: null');
    expect(notice.text).toContain('line 7 []: {"a":"xxx');
    expect(notice.text.split('\n').find((l) => l.startsWith('  line 7'))?.length).toBeLessThan(400);
  });

  it("explains a project contract's own reason codes in words, in the text and the HTML", async () => {
    const contract = loadContractText(
      [
        'dataset: bands',
        'title: Bands',
        'format: csv',
        'columns:',
        '  - { name: low, type: integer }',
        '  - { name: high, type: integer }',
        'rules:',
        '  - { check: "low <= high", reason: band_inverted }',
        'reasons:',
        '  band_inverted: low is above high',
        '',
      ].join('\n'),
      'bands.yaml',
    );
    const contracts = new ContractSet([contract]);
    const key = 'inputs/bands.csv';
    await ports.store.put(key, 'low,high\n5,1\n7,2\n');
    const { manifest } = await ingestObject({ ...ports, contracts }, { key, requestId: 'i-1' });
    expect(manifest?.status).toBe('rejected');
    const sent = await sendFailureNotice(
      { ...deps(), contracts },
      { manifestKey: keys.manifest(manifest?.id ?? ''), requestId: 'n' },
      options,
    );
    expect(sent.outcome).toBe('sent');
    const [mail] = await mails();
    expect(mail?.text).toContain('band_inverted: 2 (low is above high)');
    expect(mail?.html).toMatch(
      /<code>band_inverted<\/code><\/td><td [^>]*>2<\/td><td [^>]*>low is above high</,
    );
  });
});
