// DOM helpers. Text only: nothing here (or anywhere in the page) writes HTML from strings, and the page's CSP
// (require-trusted-types-for 'script', with no policy) makes any such write throw.

/** Returns the element with this id (throws if missing: a bug in index.html). */
export function $(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error('missing element #' + id);
  return el;
}

/**
 * Creates an element: h('button', {class: 'x', onclick: f, dataset: {id: 1}}, 'text', child).
 * Strings become text nodes; null and false children are skipped.
 */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** Removes every child of el. */
export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
}

/** Shows or hides el (the hidden attribute). */
export function show(el, on) {
  el.hidden = !on;
}
