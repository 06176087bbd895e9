/** Reads a JSON-lines object (processed rows) back in batches. */

/** Parsed lines, one batch per chunk; a blank line is skipped. */
export async function* readJsonLines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<unknown[]> {
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
    yield parseLines(text.slice(0, end));
  }
  const tail = rest + decoder.decode();
  if (tail.trim() !== '') yield parseLines(tail);
}

function parseLines(text: string): unknown[] {
  const out: unknown[] = [];
  for (const line of text.split('\n')) if (line.trim() !== '') out.push(JSON.parse(line));
  return out;
}
