/**
 * The contracts sluice ships, compiled from their files in contracts/ exactly
 * as a project's own contract files are, and the set a file is matched against.
 * Order matters only for sniffing: first match wins, so a project's contracts
 * come before the built-ins and market-ticks before Twelve Data (which takes any
 * JSON object).
 */
import { type CompiledContract, compileContract } from '../contracts/compile.js';
import { ContractDocumentSchema } from '../contracts/document.js';
import { ROW_REASONS } from '../reasons.js';
import healthVitals from './contracts/health-vitals.json' with { type: 'json' };
import marketTicks from './contracts/market-ticks.json' with { type: 'json' };
import ohlcvCsv from './contracts/ohlcv-csv.json' with { type: 'json' };
import smartphoneSales from './contracts/smartphone-sales.json' with { type: 'json' };
import twelvedataOhlcv from './contracts/twelvedata-ohlcv.json' with { type: 'json' };

const BUILTIN_FILES: ReadonlyArray<readonly [string, unknown]> = [
  ['market-ticks.json', marketTicks],
  ['twelvedata-ohlcv.json', twelvedataOhlcv],
  ['ohlcv-csv.json', ohlcvCsv],
  ['smartphone-sales.json', smartphoneSales],
  ['health-vitals.json', healthVitals],
];

export const BUILTIN_CONTRACTS: readonly CompiledContract[] = BUILTIN_FILES.map(([file, doc]) =>
  compileContract(ContractDocumentSchema.parse(doc), {
    kind: 'built-in',
    file: `src/core/datasets/contracts/${file}`,
  }),
);

/** The contracts one runtime reads files with: a project's, then the built-ins. */
export class ContractSet {
  readonly all: readonly CompiledContract[];

  constructor(project: readonly CompiledContract[] = []) {
    // A project contract with a built-in's id replaces it (and takes its place first in sniffing).
    const own = new Set(project.map((c) => c.id));
    this.all = [...project, ...BUILTIN_CONTRACTS.filter((c) => !own.has(c.id))];
  }

  byId(id: string): CompiledContract | undefined {
    return this.all.find((c) => c.id === id);
  }

  has(id: string): boolean {
    return this.byId(id) !== undefined;
  }

  /** The contract whose key globs name this key below `inputs/`, if any. */
  byKey(key: string): CompiledContract | undefined {
    return this.all.find((c) => c.matchesKey(key));
  }

  /** What a reason code means: a generic one, or as a contract declares it. */
  reasonMeaning(code: string): string | undefined {
    const generic = (ROW_REASONS as Record<string, string>)[code];
    return generic ?? this.all.find((c) => c.reasons[code] !== undefined)?.reasons[code];
  }
}

export const BUILTINS = new ContractSet();

export const datasetById = (id: string): CompiledContract | undefined => BUILTINS.byId(id);
