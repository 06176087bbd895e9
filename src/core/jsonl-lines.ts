/** Reads a JSON-lines object (processed rows, rejects) back in batches, without holding the object. */

/** Non-blank lines, one batch per chunk, each exactly as stored (no trailing newline). */
export async function* readLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string[]> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let rest = '';
  for await (const chunk of chunks) {
    const text = rest + decoder.decode(chunk, { stream: true });
    const end = text.lastIndexOf('\n');
    if (end < 0) {
      rest = text;
      continue;
    }
    rest = text.slice(end + 1);
    yield nonBlank(text.slice(0, end));
  }
  const tail = rest + decoder.decode();
  if (tail.trim() !== '') yield nonBlank(tail);
}

/** Parsed lines, one batch per chunk; a blank line is skipped. */
export async function* readJsonLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<unknown[]> {
  for await (const lines of readLines(chunks)) yield lines.map((line) => JSON.parse(line) as unknown);
}

const nonBlank = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');
