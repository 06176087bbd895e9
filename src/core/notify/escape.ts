/** Escaping for text that comes from data or from the LLM, in HTML and in SVG (which is XML). */

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Safe in element content and in quoted attribute values of HTML and XML alike:
 * `&#39;` rather than `&apos;`, which HTML 4 and some mail clients do not know.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] as string);
}
