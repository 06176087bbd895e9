/**
 * Builds elements from data without ever parsing data as HTML: text goes in as
 * text nodes, attributes through setAttribute. Every view uses this, so a file
 * name like `<img onerror=...>` can only ever show as the characters it is.
 */

/**
 * @param {string} tag
 * @param {Record<string, unknown>} [props] attributes; `class`, `dataset`, and `on<event>` handlers
 * @param {...unknown} children strings, numbers, nodes, arrays of them; null and false are skipped
 * @returns {HTMLElement}
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') node.className = String(value);
    else if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2).toLowerCase(), /** @type {EventListener} */ (value));
    } else node.setAttribute(name, value === true ? '' : String(value));
  }
  append(node, children);
  return node;
}

/** @param {Node} parent @param {unknown[]} children */
export function append(parent, children) {
  for (const child of children.flat(Number.POSITIVE_INFINITY)) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `parent` with `children`. */
export function replace(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/**
 * A same-origin path from the server, or null: a link built from data must
 * never become `javascript:` or point off the page's origin.
 * @param {unknown} url
 */
export function localPath(url) {
  return typeof url === 'string' && url.startsWith('/') && !url.startsWith('//') ? url : null;
}

/** A `#/...` route whose segments are URI-encoded, so any name is a safe, reloadable link. */
export function route(...segments) {
  return `#/${segments.map((s) => encodeURIComponent(String(s))).join('/')}`;
}
