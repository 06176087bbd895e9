/**
 * The members of a JSON object's text, counted at its top level. JSON.parse
 * keeps the last of two members with one name and says nothing; a record whose
 * text holds more members than its parsed object has named one twice, which the
 * streaming scanner rejects as duplicate_key, and so must JSON lines.
 */

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;
const isOpening = (code: number): boolean => code === 123 || code === 91;
const isClosing = (code: number): boolean => code === 125 || code === 93;

/** Where the string opened at `open` ends: the next quote not preceded by an odd run of backslashes. */
function closingQuote(text: string, open: number): number {
  for (let end = text.indexOf('"', open + 1); end !== -1; end = text.indexOf('"', end + 1)) {
    let slashes = 0;
    while (text.charCodeAt(end - 1 - slashes) === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return end;
  }
  return text.length;
}

/** Members at depth 1 of valid JSON object text (every `:` outside strings there). */
export function topLevelMemberCount(text: string): number {
  let depth = 0;
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) i = closingQuote(text, i);
    else if (isOpening(code)) depth++;
    else if (isClosing(code)) depth--;
    else if (code === COLON && depth === 1) count++;
  }
  return count;
}

/** The names valid JSON object text gives more than one top-level member, in order of their second use. */
export function repeatedTopLevelNames(text: string): string[] {
  const seen = new Set<string>();
  const repeated: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const end = closingQuote(text, i);
      if (depth === 1 && expectKey) {
        const name = JSON.parse(text.slice(i, end + 1)) as string;
        if (seen.has(name) && !repeated.includes(name)) repeated.push(name);
        seen.add(name);
        expectKey = false;
      }
      i = end;
    } else if (isOpening(code)) {
      depth++;
      expectKey = depth === 1;
    } else if (isClosing(code)) depth--;
    else if (code === COMMA && depth === 1) expectKey = true;
  }
  return repeated;
}
