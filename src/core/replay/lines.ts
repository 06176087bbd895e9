/** Reads a JSON-lines object back as text lines, in batches, without holding the object. */

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

const nonBlank = (text: string): string[] => text.split('\n').filter((line) => line.trim() !== '');
