import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { repeatedTopLevelNames, topLevelMemberCount } from './top-members.js';

// Few names, so that objects often repeat one; quotes, backslashes and braces inside them.
const name = fc.constantFrom('a', 'b', 'a"b', 'c\\', '{', '}', ':', ',', 'é', '');
const member = fc.tuple(name, fc.jsonValue({ maxDepth: 3 }));
/** A JSON object's text with exactly these members, repeats kept (JSON.stringify cannot write them). */
const objectText = (members: ReadonlyArray<readonly [string, unknown]>, spaced: boolean): string => {
  const gap = spaced ? ' \n\t' : '';
  const parts = members.map(([k, v]) => `${gap}${JSON.stringify(k)}${gap}:${gap}${JSON.stringify(v)}${gap}`);
  return `${gap}{${parts.join(',')}}${gap}`;
};

describe('top-level members of JSON object text', () => {
  it('counts every member written, repeats included, and names each repeated one once', () => {
    fc.assert(
      fc.property(fc.array(member, { maxLength: 12 }), fc.boolean(), (members, spaced) => {
        const text = objectText(members, spaced);
        expect(topLevelMemberCount(text)).toBe(members.length);
        const counts = new Map<string, number>();
        const expected: string[] = [];
        for (const [k] of members) {
          counts.set(k, (counts.get(k) ?? 0) + 1);
          if (counts.get(k) === 2) expected.push(k);
        }
        expect(repeatedTopLevelNames(text)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with JSON.parse exactly when no name repeats', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), (object) => {
        const text = JSON.stringify(object);
        expect(topLevelMemberCount(text)).toBe(Object.keys(JSON.parse(text)).length);
        expect(repeatedTopLevelNames(text)).toEqual([]);
      }),
    );
  });

  it('reads a name written with escapes as the name it stands for', () => {
    expect(repeatedTopLevelNames('{"a":1,"\\u0061":2}')).toEqual(['a']);
  });
});
