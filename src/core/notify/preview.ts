/**
 * A report's HTML made viewable outside a mail client: a browser cannot
 * resolve `cid:` references, so each becomes a data: URL of its image. Used
 * by the outbox's .html preview and the browser test.
 */

export interface InlineImage {
  readonly cid: string;
  readonly content: Uint8Array;
  /** @default 'image/png' */
  readonly contentType?: string;
}

/** Replaces every `src="cid:<cid>"` whose cid is among `images`; others stay as they are. */
export function inlineCidImages(html: string, images: readonly InlineImage[]): string {
  const urls = new Map(
    images.map((i) => [
      i.cid,
      `data:${i.contentType ?? 'image/png'};base64,${Buffer.from(i.content).toString('base64')}`,
    ]),
  );
  // The renderer writes cids of letters, digits, dashes and one @, so they need no unescaping here.
  return html.replace(/src="cid:([^"]+)"/g, (whole, cid: string) => {
    const url = urls.get(cid);
    return url === undefined ? whole : `src="${url}"`;
  });
}
