/**
 * CSV headers matched by name: a contract lists its columns (with aliases and
 * whether each is required), a file's header is resolved against that list once,
 * and every row is then mapped by position. Column order, case, spaces and a BOM
 * do not matter; columns the contract does not know follow its evolution policy.
 */

/** What happens to a column the contract does not know (dlt's schema-contract modes). */
export const EVOLUTION_POLICIES = ['evolve', 'freeze', 'discard_value', 'discard_row'] as const;
export type EvolutionPolicy = (typeof EVOLUTION_POLICIES)[number];

export interface CsvColumn {
  /** The name the column has in normalized rows and in `fields`. */
  readonly name: string;
  /** Other names files give it (`Adj Close`, `timestamp`); matched like the name. */
  readonly aliases?: readonly string[];
  /** A file without this column is refused. @default true */
  readonly required?: boolean;
}

export interface CsvLayout {
  readonly columns: readonly CsvColumn[];
  /**
   * `evolve` keeps unknown columns in the normalized row, `discard_value` drops
   * their values, `discard_row` rejects a row that has a value in one, `freeze`
   * refuses the file.
   */
  readonly extra: EvolutionPolicy;
  /** Values for columns the file lacks (a symbol named by the file name or a flag). */
  readonly defaults?: Readonly<Record<string, string>>;
  /** @default the one the header line uses (delimiterOf) */
  readonly delimiter?: CsvDelimiter;
}

/** A header name as matched: BOM, case, spaces, `_`, `-` and `.` do not count (`Adj Close` = `adj_close`). */
export const columnKey = (name: string): string =>
  name
    .replace(/^\uFEFF/, '')
    .replace(/^\s*"(.*)"\s*$/, '$1')
    .toLowerCase()
    .replace(/[\s_.-]+/g, '');

/** A plain header list: every column required under its own name, unknown columns refused. */
export const exactLayout = (header: readonly string[]): CsvLayout => ({
  columns: header.map((name) => ({ name })),
  extra: 'freeze',
});

export interface HeaderResolution {
  /** The contract column each position of the file feeds; undefined for an unknown column. */
  readonly positions: readonly (string | undefined)[];
  /** Names of the file's columns the contract does not know, as the file spells them. */
  readonly extras: readonly string[];
  /** Required contract columns the file lacks, under their contract names. */
  readonly missing: readonly string[];
  /** Contract columns two file columns both claim. */
  readonly repeated: readonly string[];
  /** How many contract columns the file has. */
  readonly matched: number;
}

/** Matches a file's header names against a layout, once per file. */
export function resolveHeader(names: readonly string[], layout: CsvLayout): HeaderResolution {
  const byKey = new Map<string, string>();
  for (const column of layout.columns) {
    for (const alias of [column.name, ...(column.aliases ?? [])]) {
      const key = columnKey(alias);
      if (!byKey.has(key)) byKey.set(key, column.name);
    }
  }
  const taken = new Set<string>();
  const repeated: string[] = [];
  const extras: string[] = [];
  const positions = names.map((raw) => {
    const column = byKey.get(columnKey(raw));
    if (column === undefined) {
      extras.push(raw.trim());
      return undefined;
    }
    if (taken.has(column)) {
      repeated.push(column);
      return undefined;
    }
    taken.add(column);
    return column;
  });
  const missing = layout.columns
    .filter((c) => c.required !== false && !taken.has(c.name) && layout.defaults?.[c.name] === undefined)
    .map((c) => c.name);
  return { positions, extras, missing, repeated, matched: taken.size };
}

/** Whether a resolved header can be read under the layout (freeze still reads; its refusal names the extras). */
export const headerFits = (resolution: HeaderResolution): boolean =>
  resolution.missing.length === 0 && resolution.repeated.length === 0 && resolution.matched > 0;

const DELIMITERS = [',', ';', '\t'] as const;
export type CsvDelimiter = (typeof DELIMITERS)[number];

/**
 * The delimiter a header line uses: the most frequent of `,`, `;` and tab outside
 * quotes (Twelve Data's `format=CSV` and European spreadsheets write `;`). Comma wins ties.
 */
export function delimiterOf(line: string): CsvDelimiter {
  const counts = [0, 0, 0];
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted) {
      const d = DELIMITERS.indexOf(c as CsvDelimiter);
      if (d >= 0) counts[d] = (counts[d] as number) + 1;
    }
  }
  let best = 0;
  for (let d = 1; d < DELIMITERS.length; d++) if ((counts[d] as number) > (counts[best] as number)) best = d;
  return DELIMITERS[best] as CsvDelimiter;
}

/** The first non-blank line of a file's start. */
export function firstLineOf(prefix: string): string {
  const start = prefix.replace(/^\uFEFF/, '').trimStart();
  const end = start.search(/[\r\n]/);
  return end === -1 ? start : start.slice(0, end);
}

/** The column names of a header line, unquoted, as csv-parse would read them. */
export const headerNamesOf = (line: string, delimiter: CsvDelimiter = delimiterOf(line)): string[] =>
  line.split(delimiter).map((name) => name.trim().replace(/^"(.*)"$/, '$1'));
