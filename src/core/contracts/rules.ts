/**
 * Cross-field rules from a small declared set, parsed once into closures; a
 * rule is never evaluated as code. A rule whose operands are not all valid
 * values is skipped: the row already carries the reason those fields failed.
 */
import type { Issues } from '../datasets/fields.js';
import type { RuleDocument } from './document.js';

export type RowRule = (values: readonly unknown[], issues: Issues) => void;

const OPERATORS = ['<=', '>=', '==', '!=', '<', '>'] as const;
type Operator = (typeof OPERATORS)[number];

const NAME = '([A-Za-z_][A-Za-z0-9_]*)';
const OPERAND = '([A-Za-z_][A-Za-z0-9_]*|[+-]?\\d+(?:\\.\\d+)?)';
const COMPARE = new RegExp(`^${NAME}\\s*(<=|>=|==|!=|<|>)\\s*${OPERAND}$`);
const BETWEEN = new RegExp(`^${NAME}\\s+between\\s+${OPERAND}\\s+and\\s+${OPERAND}$`);
const REQUIRED_IF = new RegExp(`^${NAME}\\s+required_if\\s+${NAME}$`);

export class RuleSyntaxError extends Error {}

const holds = (op: Operator, a: number | string, b: number | string): boolean => {
  switch (op) {
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
};

const comparable = (v: unknown): v is number | string => typeof v === 'number' || typeof v === 'string';

/**
 * Compiles a rule against the contract's column order. Throws RuleSyntaxError
 * naming what is wrong, which the loader reports with the rule's file and line.
 */
export function compileRule(rule: RuleDocument, columns: readonly string[]): RowRule {
  const text = rule.check.trim();
  const column = (name: string): number => {
    const at = columns.indexOf(name);
    if (at < 0) throw new RuleSyntaxError(`rule ${JSON.stringify(text)} names no column ${name}`);
    return at;
  };
  const operand = (token: string): ((values: readonly unknown[]) => unknown) => {
    if (/^[+-]?\d/.test(token)) {
      const n = Number(token);
      return () => n;
    }
    const at = column(token);
    return (values) => values[at];
  };
  const { reason } = rule;
  const fail = (issues: Issues, field: string, message: string) =>
    issues.push({ code: reason, field, message: rule.message ?? message });

  const compare = COMPARE.exec(text);
  if (compare) {
    const [, left, op, right] = compare as unknown as [string, string, Operator, string];
    const a = operand(left);
    const b = operand(right);
    const field = /^[A-Za-z_]/.test(right) ? `${left},${right}` : left;
    return (values, issues) => {
      const x = a(values);
      const y = b(values);
      if (!comparable(x) || !comparable(y) || typeof x !== typeof y) return;
      if (!holds(op, x, y)) fail(issues, field, `${left} ${x} breaks ${text} (${right} is ${y})`);
    };
  }
  const between = BETWEEN.exec(text);
  if (between) {
    const [, name, low, high] = between as unknown as [string, string, string, string];
    const a = operand(name);
    const lo = operand(low);
    const hi = operand(high);
    return (values, issues) => {
      const [x, l, h] = [a(values), lo(values), hi(values)];
      if (!comparable(x) || !comparable(l) || !comparable(h)) return;
      if (typeof x !== typeof l || typeof x !== typeof h) return;
      if (x < l || x > h) fail(issues, name, `${name} ${x} is not between ${l} and ${h}`);
    };
  }
  const requiredIf = REQUIRED_IF.exec(text);
  if (requiredIf) {
    const [, needed, given] = requiredIf as unknown as [string, string, string];
    const a = column(needed);
    const b = column(given);
    return (values, issues) => {
      const when = values[b];
      if (when !== null && when !== undefined && values[a] === null) {
        fail(issues, needed, `${needed} is required when ${given} is given (${String(when)})`);
      }
    };
  }
  throw new RuleSyntaxError(
    `rule ${JSON.stringify(text)} is none of: "a <= b" (or <, >, >=, ==, != against a column or number), "a between b and c", "a required_if b"`,
  );
}
