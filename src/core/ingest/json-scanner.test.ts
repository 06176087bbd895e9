import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnreadableFileError } from '../errors.js';
import {
  checkJsonSyntax,
  type ElementShape,
  type JsonScanHandler,
  JsonScanner,
  Plan,
} from './json-scanner.js';

const ROOMY = { maxDepth: 1_000, maxRecordChars: 1_000_000 };

type Mode = 'descend' | 'elements' | 'capture';

/**
 * Rebuilds the document from scanner events: `descend` walks every container,
 * `elements` captures the members of the root container, `capture` parses the root whole.
 */
function rebuild(chunks: readonly string[], mode: Mode, limits = ROOMY, shape?: ElementShape) {
  const stack: (unknown[] | Record<string, unknown>)[] = [];
  const oversized: string[] = [];
  let root: unknown;
  const put = (key: string | undefined, value: unknown) => {
    const top = stack[stack.length - 1];
    if (top === undefined) root = value;
    else if (Array.isArray(top)) top.push(value);
    else
      Object.defineProperty(top, key as string, {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
  };
  const handler: JsonScanHandler = {
    plan(key, kind) {
      if (mode === 'capture' || (kind !== 'object' && kind !== 'array')) return Plan.capture;
      const container = kind === 'object' ? {} : [];
      put(key, container);
      stack.push(container);
      return mode === 'elements' && stack.length === 1 ? Plan.elements : Plan.descend;
    },
    value: put,
    tooLarge(key, preview) {
      oversized.push(preview);
      put(key, '<too large>');
    },
    close() {
      stack.pop();
    },
  };
  const scanner = new JsonScanner(handler, limits, shape);
  for (const chunk of chunks) scanner.write(chunk);
  scanner.end();
  return { root, oversized };
}

const SKIP: JsonScanHandler = {
  plan: () => Plan.skip,
  value: () => undefined,
  tooLarge: () => undefined,
  close: () => undefined,
};

function splitAt(text: string, cuts: readonly number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const p of points) {
    out.push(text.slice(from, p));
    from = p;
  }
  out.push(text.slice(from));
  return out;
}

function failure(run: () => unknown): UnreadableFileError {
  try {
    run();
  } catch (error) {
    if (error instanceof UnreadableFileError) return error;
    throw error;
  }
  throw new Error('expected an UnreadableFileError');
}

const MODES: readonly Mode[] = ['descend', 'elements', 'capture'];

describe('JsonScanner', () => {
  it('rebuilds a document with every kind of value in each plan', () => {
    const text = '{"a": [1, -2.5e+3, 0, true, false, null, "x"], "b": {"c": {}, "d": []}, "e": "\\u00e9\\n"}';
    for (const mode of MODES) expect(rebuild([text], mode).root).toEqual(JSON.parse(text));
  });

  it('gives the same values at every split point of a document in two chunks', () => {
    const text =
      ' [{"datetime":"2024-01-02","open":"1.5","high":2,"low":-0.5e-2,"close":true,"volume":null},' +
      ' {"q":"a\\"b\\\\","n":[1,{"x":"}"}]}, "\\ud83d\\ude00", 12, {"__proto__":{"p":1}}] ';
    const expected = JSON.parse(text);
    for (let i = 0; i <= text.length; i++) {
      for (const mode of MODES) {
        expect(rebuild([text.slice(0, i), text.slice(i)], mode).root).toEqual(expected);
      }
    }
  });

  it('reads escaped quotes, backslashes and braces inside strings split across chunks', () => {
    const text = '[{"k\\"ey":"va\\\\\\"l}]ue","x":"\\\\"},"\\"]"]';
    const chunks = text.split('');
    for (const mode of MODES) expect(rebuild(chunks, mode).root).toEqual(JSON.parse(text));
  });

  it('keeps __proto__ and constructor as own keys, as JSON.parse does', () => {
    const text = '[{"__proto__":{"polluted":true},"constructor":{"prototype":1}}, {"__proto__":"x","a":"b"}]';
    for (const mode of MODES) {
      const { root } = rebuild([text], mode);
      const [first, second] = root as Record<string, unknown>[];
      expect(Object.getPrototypeOf(first)).toBe(Object.prototype);
      expect(Object.hasOwn(first as object, '__proto__')).toBe(true);
      expect(Object.hasOwn(second as object, '__proto__')).toBe(true);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(JSON.stringify(root)).toBe(JSON.stringify(JSON.parse(text)));
    }
  });

  it('keeps the last of duplicate keys, as JSON.parse does', () => {
    const text = '[{"a":"1","b":"2","a":"3"}]';
    for (const mode of MODES) expect(rebuild([text], mode).root).toEqual([{ a: '3', b: '2' }]);
  });

  it('builds records that follow the shape with the shape, and others member by member', () => {
    const shape: ElementShape = { keys: ['a', 'b'], build: (v) => ({ a: v[0], b: v[1], shaped: true }) };
    const { root } = rebuild(['[{"a":"1","b":2}, {"b":2,"a":"1"}, {"a":"1"}]'], 'elements', ROOMY, shape);
    expect(root).toEqual([{ a: '1', b: 2, shaped: true }, { b: 2, a: '1' }, { a: '1' }]);
  });

  it('builds with the shape exactly the records whose names are its names in order, for names near them', () => {
    // Names the fast path compares without scanning: prefixes, extensions, escapes of the same text.
    const name = fc.constantFrom(
      'open',
      'ope',
      'opens',
      'openx:1}',
      'op\\u0065n',
      'close',
      'clos"e',
      'x',
      '',
    );
    const member = fc.tuple(name, fc.oneof(fc.constant('"1"'), fc.constant('2'), fc.constant('null')));
    const shape: ElementShape = {
      keys: ['open', 'close'],
      build: (v) => Object.defineProperty({ open: v[0], close: v[1] }, 'shaped', { value: true }),
    };
    fc.assert(
      fc.property(
        fc.array(fc.array(member, { maxLength: 3 }), { maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        (records, cuts) => {
          const objects = records.map((members) => `{${members.map(([k, v]) => `"${k}":${v}`).join(',')}}`);
          const text = `[${objects.join(', ')}]`;
          let expected: unknown[];
          try {
            expected = JSON.parse(text);
          } catch {
            expect(() => rebuild(splitAt(text, cuts), 'elements', ROOMY, shape)).toThrow(UnreadableFileError);
            return;
          }
          const root = rebuild(splitAt(text, cuts), 'elements', ROOMY, shape).root as object[];
          expect(root).toEqual(expected);
          root.forEach((built, k) => {
            const names = (records[k] ?? []).map(([n]) => n);
            // Only the fast path builds with the shape; a record cut by a chunk end takes the long way.
            if (Object.hasOwn(built, 'shaped')) expect(names).toEqual(['open', 'close']);
          });
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('reads records cut at every point, around and after the last closing brace of a chunk', () => {
    const shape: ElementShape = { keys: ['a', 'b'], build: (v) => ({ a: v[0], b: v[1] }) };
    const text = '[{"a":"1","b":2} ,\n {"a":"}","b":null},{"b":1,"a":"x"} , {} ]';
    for (let i = 0; i <= text.length; i++) {
      for (const j of [i, i + 1, i + 7]) {
        const chunks = [text.slice(0, i), text.slice(i, j), text.slice(j)];
        expect(rebuild(chunks, 'elements', ROOMY, shape).root).toEqual(JSON.parse(text));
      }
    }
  });

  it('refuses a shape whose member names would need escaping', () => {
    expect(() => new JsonScanner(SKIP, ROOMY, { keys: ['a"b'], build: () => ({}) })).toThrow(/escaping/);
  });

  it('reports a syntax error with its line and column', () => {
    const error = failure(() => rebuild(['{\n  "a": [1, 2,\n  ]\n}'], 'elements'));
    expect(error.reason).toBe('malformed_json');
    expect(error.message).toBe(`Unexpected character "]" at line 3, column 3: expected a value.`);
  });

  it('counts lines across chunks when it reports a position', () => {
    const error = failure(() => rebuild(['{"a":\n', '\n 1', ' x}'], 'descend'));
    expect(error.message).toMatch(/at line 3, column 4: expected ',' or '}'/);
  });

  it.each([
    ['a raw control character in a string', '["a\tb"]'],
    ['a bad escape', '["\\x"]'],
    ['a short unicode escape', '["\\u12G4"]'],
    ['a leading zero', '[01]'],
    ['a bare minus', '[-]'],
    ['a missing fraction', '[1.]'],
    ['a missing exponent', '[1e]'],
    ['NaN', '[{"open": NaN}]'],
    ['Infinity', '[Infinity]'],
    ['a single-quoted string', "['a']"],
    ['a trailing comma in an object', '[{"a":1,}]'],
    ['a misspelled literal', '[tru]'],
    ['a missing colon', '{"a" 1}'],
    ['a mismatched bracket', '[{"a":1]]'],
    ['an unquoted key', '{a:1}'],
  ])('rejects %s as malformed_json in every plan', (_, text) => {
    for (const mode of MODES) expect(failure(() => rebuild([text], mode)).reason).toBe('malformed_json');
  });

  it('rejects trailing garbage after the root value', () => {
    const error = failure(() => rebuild(['{"a":1} {"b":2}'], 'descend'));
    expect(error.reason).toBe('malformed_json');
    expect(error.message).toMatch(/column 9: expected the end of the input after the root value/);
    expect(rebuild(['{"a":1} \n\t\r '], 'descend').root).toEqual({ a: 1 });
  });

  it.each([
    ['an open array', '[{"a":1},'],
    ['an open string', '{"a":"abc'],
    ['a dangling escape', '["abc\\'],
    ['a partial literal', '[nul'],
    ['a partial number', '[-'],
    ['an empty input', ''],
    ['whitespace only', ' \n '],
  ])('rejects %s as truncated_json', (_, text) => {
    for (const mode of MODES) expect(failure(() => rebuild([text], mode)).reason).toBe('truncated_json');
  });

  it('accepts a number that ends the input at the root', () => {
    for (const mode of MODES) expect(rebuild(['-1', '2.5', 'e3'], mode).root).toBe(-12.5e3);
  });

  it('stops 100,000 levels of nesting at the depth limit without recursion', () => {
    const deep = '['.repeat(100_000);
    for (const mode of MODES) {
      const error = failure(() => rebuild([deep, ']'.repeat(100_000)], mode, { ...ROOMY, maxDepth: 64 }));
      expect(error.reason).toBe('nesting_too_deep');
      expect(error.message).toMatch(/deeper than 64 levels at line 1, column 65/);
    }
  });

  it('scans 100,000 levels when the limit allows it', () => {
    const text = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const limits = { maxDepth: 100_000, maxRecordChars: 1_000_000 };
    for (const mode of ['descend', 'capture'] as const) {
      const chunks = text.match(/.{1,4096}/g) as string[];
      let depth = 0;
      let root: unknown = rebuild(chunks, mode, limits).root;
      while (Array.isArray(root) && root.length === 1) {
        root = root[0];
        depth++;
      }
      expect(depth).toBe(99_999);
    }
  });

  it('skips an element over the size limit, reports its start, and goes on', () => {
    const big = `{"note":"${'x'.repeat(500)}"}`;
    const text = `[{"a":"1"},${big},{"a":"2"}]`;
    const limits = { maxDepth: 64, maxRecordChars: 100 };
    for (const chunks of [[text], text.match(/.{1,7}/g) as string[]]) {
      const { root, oversized } = rebuild(chunks, 'elements', limits);
      expect(root).toEqual([{ a: '1' }, '<too large>', { a: '2' }]);
      expect(oversized).toEqual([big.slice(0, 200)]);
    }
  });

  it('still checks the syntax of an element it skips for size', () => {
    const text = `[{"note":"${'x'.repeat(500)}", oops}]`;
    const error = failure(() =>
      rebuild(text.match(/.{1,7}/g) as string[], 'elements', { maxDepth: 64, maxRecordChars: 100 }),
    );
    expect(error.reason).toBe('malformed_json');
  });

  it('parses whatever JSON.parse parses, split into any chunks, in every plan', () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.constantFrom(...MODES),
        fc.boolean(),
        (value, cuts, mode, pretty) => {
          const text = JSON.stringify(value, null, pretty ? 2 : undefined);
          expect(rebuild(splitAt(text, cuts), mode).root).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('either parses or throws UnreadableFileError on damaged JSON, exactly when JSON.parse fails', () => {
    fc.assert(
      fc.property(
        fc.json(),
        fc.nat(),
        fc.nat({ max: 3 }),
        fc.string({ maxLength: 2, unit: fc.constantFrom(...'{}[]",:\\ 0-eu'.split('')) }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (json, at, cut, insert, cuts) => {
          const p = at % (json.length + 1);
          const text = json.slice(0, p) + insert + json.slice(p + cut);
          let expected: unknown;
          let valid = true;
          try {
            expected = JSON.parse(text);
          } catch {
            valid = false;
          }
          for (const mode of MODES) {
            try {
              const { root } = rebuild(splitAt(text, cuts), mode);
              expect(valid).toBe(true);
              expect(root).toEqual(expected);
            } catch (error) {
              expect(error).toBeInstanceOf(UnreadableFileError);
              expect(valid).toBe(false);
            }
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('checkJsonSyntax', () => {
  const limits = { maxDepth: 64, maxRecordChars: 1000 };

  it('agrees with JSON.parse on any text within the depth limit', () => {
    fc.assert(
      fc.property(fc.oneof(fc.json({ depthSize: 'small' }), fc.string()), (text) => {
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        let checks = true;
        try {
          checkJsonSyntax(text, limits);
        } catch (error) {
          expect(error).toBeInstanceOf(UnreadableFileError);
          checks = false;
        }
        expect(checks).toBe(parses);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses a document deeper than the limit as nesting_too_deep, whatever its size', () => {
    expect(() => checkJsonSyntax(`${'['.repeat(1_000_000)}${']'.repeat(1_000_000)}`, limits)).toThrow(
      expect.objectContaining({ reason: 'nesting_too_deep' }),
    );
  });
});
