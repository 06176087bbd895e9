/**
 * The byte-level path of a declared CSV contract (a PlainRowWriter): each
 * column compiled to a check of the one plain shape its reader (values.ts)
 * would accept and its serializer (compile.ts) would print as the cell itself.
 * The JSON line it writes is byte for byte the one the string path writes
 * (plain-rows.test.ts checks that on arbitrary rows); a row with any other
 * shape, or any broken check, rule or unique key, is declined.
 */
import type { PlainRowWriter, TakenRows } from '../datasets/contract.js';
import type { Issues } from '../datasets/fields.js';
import {
  CellStrings,
  cellEnd,
  isCanonicalInstantCell,
  isPlainText,
  JsonLineBytes,
  PlainNumber,
  plainDateSeconds,
  spells,
  spellsUpper,
  textOf,
  utf8,
} from '../datasets/plain-cells.js';
import type { ColumnDocument, ContractDocument } from './document.js';
import type { RowRule } from './rules.js';
import { printsAsWritten } from './values.js';

const Kind = { Text: 0, Number: 1, Integer: 2, Date: 3, Instant: 4, Enum: 5 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

interface PlainColumn {
  readonly kind: Kind;
  /** `{"name":` for the first column, `,"name":` after. */
  readonly key: Uint8Array;
  readonly nullable: boolean;
  /** Null tokens other than the blank, upper-cased as the reader compares them. */
  readonly nullTokens: readonly Uint8Array[];
  /** Whether a rule or the unique key reads this column's value. */
  readonly valued: boolean;
  readonly low: number;
  readonly high: number;
  readonly exclusiveLow: boolean;
  readonly exclusiveHigh: boolean;
  readonly pattern: RegExp | undefined;
  readonly minLength: number;
  readonly maxLength: number;
  /** Enum values: the cell's bytes, their JSON, their text. */
  readonly choices: readonly {
    readonly bytes: Uint8Array;
    readonly json: Uint8Array;
    readonly text: string;
  }[];
}

const KINDS: Partial<Record<ColumnDocument['type'], Kind>> = {
  string: Kind.Text,
  number: Kind.Number,
  integer: Kind.Integer,
  date: Kind.Date,
  datetime: Kind.Instant,
  enum: Kind.Enum,
};

const NULL = utf8('null');
const END = utf8('}\n');

/** What the validator shares with its plain path: its rules and its record of unique keys. */
export interface SharedChecks {
  readonly rules: readonly RowRule[];
  /** Claims the row's unique key; false (and nothing claimed) when the file already had it. */
  readonly claim?: (values: readonly unknown[]) => boolean;
}

/** The names a rule's check mentions: the columns whose values it reads. */
const namesIn = (check: string): string[] => check.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? [];

/**
 * The plain-row path of a declared CSV contract, or undefined when a column has
 * no plain shape (boolean, epoch, a number format printed from its value).
 */
export function compilePlainRows(
  doc: ContractDocument,
  shared: SharedChecks,
): (() => PlainRowWriter) | undefined {
  if (doc.format !== 'csv') return undefined;
  const read = new Set([...doc.rules.flatMap((r) => namesIn(r.check)), ...(doc.unique ?? [])]);
  const columns: PlainColumn[] = [];
  for (const [i, c] of doc.columns.entries()) {
    const kind = KINDS[c.type];
    if (kind === undefined || ((kind === Kind.Number || kind === Kind.Integer) && !printsAsWritten(c))) {
      return undefined;
    }
    columns.push({
      kind,
      key: utf8(`${i === 0 ? '{' : ','}${JSON.stringify(c.name)}:`),
      nullable: c.nullable ?? !c.required,
      nullTokens: c.null_values
        .map((t) => t.trim().toUpperCase())
        .filter((t) => t !== '')
        .map(utf8),
      valued: read.has(c.name),
      low: c.min ?? Number.NEGATIVE_INFINITY,
      high: c.max ?? Number.POSITIVE_INFINITY,
      exclusiveLow: c.exclusive_min === true,
      exclusiveHigh: c.exclusive_max === true,
      pattern: c.pattern === undefined ? undefined : new RegExp(`^(?:${c.pattern})$`, 'u'),
      minLength: c.min_length ?? 0,
      maxLength: c.max_length ?? Number.POSITIVE_INFINITY,
      choices: (c.values ?? []).map((v) => ({ bytes: utf8(v), json: utf8(JSON.stringify(v)), text: v })),
    });
  }
  const groupAt = doc.group_by === undefined ? -1 : doc.columns.findIndex((c) => c.name === doc.group_by);
  return () => new DeclaredPlainRows(columns, groupAt, shared);
}

class DeclaredPlainRows implements PlainRowWriter {
  private readonly out = new JsonLineBytes();
  private readonly number = new PlainNumber();
  private readonly groups = new CellStrings();
  private readonly values: unknown[];
  private readonly issues: Issues = [];
  /** Bytes a row's JSON adds to its cells at most: keys, quotes or `null`, braces. */
  private readonly overhead: number;

  constructor(
    private readonly columns: readonly PlainColumn[],
    private readonly groupAt: number,
    private readonly shared: SharedChecks,
  ) {
    this.values = new Array(columns.length).fill(undefined);
    this.overhead = columns.reduce((sum, c) => sum + c.key.length + 6, END.length);
  }

  take(bytes: Uint8Array, start: number, end: number): boolean {
    const out = this.out;
    if (!out.reserve(end - start + this.overhead)) return false;
    const mark = out.length;
    const columns = this.columns;
    const last = columns.length - 1;
    let group: string | undefined;
    let at = start;
    for (let i = 0; i <= last; i++) {
      const stop = cellEnd(bytes, at, end);
      if (
        (i < last ? stop === end : stop !== end) ||
        !this.cell(columns[i] as PlainColumn, i, bytes, at, stop)
      ) {
        out.length = mark;
        return false;
      }
      if (i === this.groupAt && stop > at) group = this.groups.of(bytes, at, stop);
      at = stop + 1;
    }
    const { rules, claim } = this.shared;
    if (rules.length > 0) {
      const issues = this.issues;
      for (const rule of rules) rule(this.values, issues);
      if (issues.length > 0) {
        issues.length = 0;
        out.length = mark;
        return false;
      }
    }
    if (claim !== undefined && !claim(this.values)) {
      out.length = mark;
      return false;
    }
    out.put(END);
    out.endRow(group);
    return true;
  }

  /** Writes one cell's key and JSON; false when the cell is not plain for its column. */
  private cell(column: PlainColumn, i: number, bytes: Uint8Array, from: number, to: number): boolean {
    const out = this.out;
    out.put(column.key);
    if (to === from || (column.nullTokens.length > 0 && isNullToken(column, bytes, from, to))) {
      if (!column.nullable) return false;
      out.put(NULL);
      if (column.valued) this.values[i] = null;
      return true;
    }
    switch (column.kind) {
      case Kind.Number:
      case Kind.Integer: {
        const number = this.number;
        if (!number.read(bytes, from, to) || (column.kind === Kind.Integer && !number.whole)) return false;
        const n = number.value;
        if (column.exclusiveLow ? n <= column.low : n < column.low) return false;
        if (column.exclusiveHigh ? n >= column.high : n > column.high) return false;
        out.copy(bytes, from, number.jsonEnd);
        if (column.valued) this.values[i] = n;
        return true;
      }
      case Kind.Text: {
        if (!isPlainText(bytes, from, to)) return false;
        const length = to - from;
        if (length < column.minLength || length > column.maxLength) return false;
        if (column.pattern !== undefined && !column.pattern.test(textOf(bytes, from, to))) return false;
        break;
      }
      case Kind.Date:
        if (Number.isNaN(plainDateSeconds(bytes, from, to))) return false;
        break;
      case Kind.Instant:
        if (!isCanonicalInstantCell(bytes, from, to)) return false;
        break;
      case Kind.Enum: {
        const choice = column.choices.find((c) => spells(bytes, from, to, c.bytes));
        if (choice === undefined) return false;
        out.put(choice.json);
        if (column.valued) this.values[i] = choice.text;
        return true;
      }
    }
    out.quoted(bytes, from, to);
    if (column.valued) this.values[i] = textOf(bytes, from, to);
    return true;
  }

  drain(): TakenRows | undefined {
    return this.out.drain();
  }
}

function isNullToken(column: PlainColumn, bytes: Uint8Array, from: number, to: number): boolean {
  for (const token of column.nullTokens) if (spellsUpper(bytes, from, to, token)) return true;
  return false;
}
