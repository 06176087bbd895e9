/**
 * A contract file's text (YAML or JSON: JSON is YAML 1.2) parsed and validated,
 * or every problem in it named by path and line, never a stack trace. The yaml
 * library keeps each node's source range, so a zod issue's path is traced back
 * to the line that holds it.
 */
import { isCollection, LineCounter, parseDocument } from 'yaml';
import type { CompiledContract, ContractOrigin } from './compile.js';
import { compileValidated, type ParsedContract, validateContract } from './load-value.js';

export function parseContractText(text: string, file: string): ParsedContract {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => ({
        file,
        line: e.linePos?.[0]?.line,
        path: '',
        message: e.message.split('\n')[0] ?? e.message,
      })),
    };
  }
  const lineOf = (path: readonly PropertyKey[]): number | undefined => {
    // The deepest node the path reaches: a missing key points at the object that lacks it.
    for (let depth = path.length; depth >= 0; depth--) {
      const node = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth) as (string | number)[], true);
      const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
      if (range !== undefined && (depth > 0 || isCollection(node))) return lineCounter.linePos(range[0]).line;
    }
    return undefined;
  };
  return validateContract(doc.toJS(), file, lineOf);
}

/** Parses, validates and compiles one contract file; throws ContractLoadError naming every problem. */
export function loadContractText(
  text: string,
  file: string,
  origin: ContractOrigin = { kind: 'file', file },
): CompiledContract {
  return compileValidated(parseContractText(text, file), file, origin);
}
