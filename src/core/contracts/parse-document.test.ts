import { describe, expect, it } from 'vitest';
import { ContractLoadError } from './load-value.js';
import { loadContractText } from './parse-document.js';

const problemsOf = (text: string, file = 'datasets/bad.yaml') => {
  try {
    loadContractText(text, file);
  } catch (error) {
    if (error instanceof ContractLoadError) return error.problems;
    throw error;
  }
  return [];
};

describe('loading a contract file', () => {
  it('names every problem by file, path and line', () => {
    const problems = problemsOf(
      [
        'dataset: Bad_Id',
        'title: x',
        'format: csv',
        'columns:',
        '  - name: a',
        '    type: decimal',
        '  - name: b',
        '    type: enum',
      ].join('\n'),
    );
    expect(problems.map((p) => [p.line, p.path])).toEqual([
      [1, 'dataset'],
      [6, 'columns[0].type'],
      [7, 'columns[1].values'],
    ]);
    // Checks across the document run once its parts are valid.
    const unknown = problemsOf(
      'dataset: x\ntitle: t\nformat: csv\ncolumns:\n  - { name: a, type: number }\nunique: [a, c]\n',
    );
    expect(unknown).toEqual([
      expect.objectContaining({ line: 6, path: 'unique[1]', message: 'no column named c' }),
    ]);
    expect(problems.every((p) => p.file === 'datasets/bad.yaml')).toBe(true);
  });

  it('reports a YAML syntax error with its line, and a JSON file the same way', () => {
    expect(problemsOf('dataset: x\ncolumns: [\n')[0]?.line).toBeGreaterThanOrEqual(2);
    const json =
      '{\n  "dataset": "x",\n  "title": "t",\n  "format": "xml",\n  "columns": [{"name": "a", "type": "string"}]\n}';
    expect(problemsOf(json, 'x.json')).toEqual([
      expect.objectContaining({ file: 'x.json', line: 4, path: 'format' }),
    ]);
  });

  it('refuses a rule outside the declared set at load, pointing at the rule', () => {
    const problems = problemsOf(
      'dataset: x\ntitle: t\nformat: csv\ncolumns:\n  - { name: a, type: number }\nrules:\n  - { check: "a + 1 > 2", reason: r_x }\n',
    );
    expect(problems).toEqual([expect.objectContaining({ line: 7, path: 'rules[0].check' })]);
    expect(problems[0]?.message).toMatch(/none of/);
  });

  it('prints as one readable message, never a stack', () => {
    const error = (() => {
      try {
        loadContractText('dataset: x\n', 'd/x.yaml');
      } catch (e) {
        return e as ContractLoadError;
      }
    })();
    expect(error?.code).toBe('CONTRACT.INVALID');
    expect(error?.message).toMatch(/^dataset contracts have 3 problems:\n {2}d\/x\.yaml:1: title: /);
  });
});
