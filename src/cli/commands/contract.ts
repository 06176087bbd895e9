/**
 * `sluice contract infer|check|list`: draft a contract from a file, dry-run a
 * file against the contracts, and show every contract with where it came from.
 * None of them writes to the data dir.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import Table from 'cli-table3';
import { stringify } from 'yaml';
import { loadContractDir } from '../../adapters/fs/contract-files.js';
import { checkText } from '../../core/contracts/check.js';
import { ContractDocumentSchema } from '../../core/contracts/document.js';
import { datasetIdFrom, inferContract } from '../../core/contracts/infer.js';
import { sampleRecords } from '../../core/contracts/sample.js';
import type { ContractSet } from '../../core/datasets/registry.js';
import { UnreadableFileError } from '../../core/errors.js';
import { decodeText, peekText } from '../../core/ingest/decode.js';
import { SNIFF_CHARS } from '../../core/ingest/detect.js';
import type { LocalConfig } from '../../local/config.js';
import { ingestOptionsFrom } from '../../local/options.js';
import type { CliIo } from '../io.js';

/** Text read for a draft: enough for the sample's rows, never the whole of a large file. */
const SAMPLE_CHARS = 4 * 1024 * 1024;

async function openText(file: string, config: LocalConfig) {
  return decodeText(createReadStream(file), { maxBytes: config.SLUICE_MAX_BYTES });
}

const contractsOf = (config: LocalConfig): ContractSet =>
  loadContractDir(path.resolve(config.SLUICE_CONTRACTS_DIR));

export async function inferCommand(
  file: string,
  options: { name?: string; json?: boolean },
  config: LocalConfig,
  io: CliIo,
): Promise<number> {
  const { text } = await openText(file, config);
  let sample = '';
  let complete = true;
  for await (const chunk of text) {
    sample += chunk;
    if (sample.length >= SAMPLE_CHARS) {
      complete = false;
      break;
    }
  }
  const records = await sampleRecords(sample, complete);
  const id = options.name ?? datasetIdFrom(path.basename(file));
  const draft = inferContract(records, id, `${path.basename(file)} (drafted by sluice contract infer)`);
  // The draft must load as it is: a draft that does not would only move the error to the next run.
  ContractDocumentSchema.parse(draft);
  if (options.json) io.stdout.write(`${JSON.stringify(draft, null, 2)}\n`);
  else {
    io.stdout.write(
      `# Drafted from ${records.rows.length} rows of ${path.basename(file)}. Review the types and add checks,\n` +
        `# then save it as ${path.join(config.SLUICE_CONTRACTS_DIR, `${id}.yaml`)}.\n`,
    );
    io.stdout.write(stringify(draft, { lineWidth: 0 }));
  }
  return 0;
}

export async function checkCommand(
  file: string,
  options: { dataset?: string; symbol?: string; json?: boolean },
  config: LocalConfig,
  io: CliIo,
): Promise<number> {
  const contracts = contractsOf(config);
  const { text } = await openText(file, config);
  const peeked = await peekText(text, SNIFF_CHARS);
  try {
    const report = await checkText(
      peeked.prefix,
      peeked.text,
      {
        key: `inputs/${path.basename(file)}`,
        ...(options.dataset === undefined ? {} : { dataset: options.dataset }),
        ...(options.symbol === undefined ? {} : { symbol: options.symbol }),
      },
      contracts,
      ingestOptionsFrom(config).limits,
    );
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ file, ...report }, null, 2)}\n`);
      return report.valid > 0 ? 0 : 1;
    }
    io.stdout.write(
      `${file}: ${report.dataset} (${report.source}), ${report.total} rows: ${report.valid} valid, ${report.rejected} rejected; nothing written\n`,
    );
    const reasons = Object.entries(report.reasons).sort((a, b) => b[1] - a[1]);
    if (reasons.length > 0) {
      const table = new Table({ head: ['reason', 'rows', 'meaning'], style: { head: [], border: [] } });
      for (const [code, rows] of reasons) table.push([code, rows, contracts.reasonMeaning(code) ?? '']);
      io.stdout.write(`${table.toString()}\n`);
    }
    for (const sample of report.samples) {
      const where = sample.line === undefined ? `record ${sample.index}` : `line ${sample.line}`;
      const raw = typeof sample.raw === 'string' ? sample.raw : JSON.stringify(sample.raw);
      io.stdout.write(
        `  ${where}: ${sample.issues.map((i) => `${i.code}: ${i.message}`).join('; ')}\n    ${raw.slice(0, 160)}\n`,
      );
    }
    return report.valid > 0 ? 0 : 1;
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    if (options.json)
      io.stdout.write(
        `${JSON.stringify({ file, refused: { code: error.reason, message: error.message } }, null, 2)}\n`,
      );
    else io.stdout.write(`${file}: refused, ${error.reason}: ${error.message}\n`);
    return 1;
  } finally {
    await peeked.close();
  }
}

export async function listCommand(
  options: { json?: boolean },
  config: LocalConfig,
  io: CliIo,
): Promise<number> {
  const contracts = contractsOf(config);
  const rows = contracts.all.map((c) => ({
    dataset: c.id,
    title: c.title,
    format: c.document.format,
    analysis: c.analysis.kind,
    origin: c.origin.kind,
    file: c.origin.file,
    columns: c.document.columns.map((col) => col.name),
  }));
  if (options.json) {
    io.stdout.write(
      `${JSON.stringify({ contractsDir: path.resolve(config.SLUICE_CONTRACTS_DIR), contracts: rows }, null, 2)}\n`,
    );
    return 0;
  }
  const table = new Table({
    head: ['dataset', 'format', 'analysis', 'from', 'columns'],
    style: { head: [], border: [] },
  });
  for (const r of rows)
    table.push([
      r.dataset,
      r.format,
      r.analysis,
      r.origin === 'built-in' ? 'built-in' : r.file,
      r.columns.join(', '),
    ]);
  io.stdout.write(`${table.toString()}\nproject contracts: ${path.resolve(config.SLUICE_CONTRACTS_DIR)}\n`);
  return 0;
}
