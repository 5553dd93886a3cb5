// Building DOM nodes without markup: every string becomes a text node, so a value read
// from a log can never turn into an element, an attribute or a script.

const SVG = "http://www.w3.org/2000/svg";

/**
 * An HTML element. `props` sets properties (`className`, `type`, `onclick`, …) and, under
 * `attrs`, attributes; `children` are nodes or strings (made text nodes), nested arrays
 * flattened, `null` and `undefined` left out.
 */
export function el(tag, props = {}, ...children) {
  return fill(document.createElement(tag), props, children);
}

/** An SVG element; `props` are attributes. */
export function svg(tag, props = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(props)) {
    node.setAttribute(name, String(value));
  }
  return append(node, children);
}

function fill(node, props, children) {
  const { attrs = {}, dataset = {}, ...rest } = props;
  Object.assign(node, rest);
  Object.assign(node.dataset, dataset);
  for (const [name, value] of Object.entries(attrs)) {
    node.setAttribute(name, String(value));
  }
  return append(node, children);
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) {
      continue;
    }
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces the children of `node` with `children` (see `el`). */
export function replace(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}
