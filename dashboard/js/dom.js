// Building DOM safely. Everything that comes from the API is added as text
// (createTextNode / textContent); nothing here ever parses HTML.

const SVG_NS = 'http://www.w3.org/2000/svg';
const PROPS = new Set(['value', 'checked', 'selected', 'disabled', 'indeterminate']);

function setAttrs(el, attrs) {
  let deferredValue;
  for (const [key, val] of Object.entries(attrs || {})) {
    if (val === null || val === undefined || val === false) continue;
    if (key === 'on') {
      for (const [type, fn] of Object.entries(val)) el.addEventListener(type, fn);
    } else if (key === 'class') {
      const cls = Array.isArray(val) ? val.filter(Boolean).join(' ') : String(val);
      if (cls) el.setAttribute('class', cls);
    } else if (key === 'dataset') {
      for (const [k, v] of Object.entries(val)) if (v !== null && v !== undefined) el.dataset[k] = String(v);
    } else if (key === 'style') {
      for (const [prop, v] of Object.entries(val)) el.style.setProperty(prop, String(v));
    } else if (key === 'ref') {
      val(el);
    } else if (key === 'value') {
      deferredValue = val; // <select>: set after its options exist
    } else if (PROPS.has(key)) {
      el[key] = val;
    } else if (/^on/i.test(key)) {
      throw new Error(`h(): use on: {${key.slice(2)}: fn} instead of ${key}`);
    } else if ((key === 'href' || key === 'src') && /^\s*(javascript|data|vbscript):/i.test(String(val))) {
      throw new Error(`h(): refusing ${key}=${val}`);
    } else {
      el.setAttribute(key, val === true ? '' : String(val));
    }
  }
  return deferredValue;
}

function addChildren(el, children) {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) addChildren(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** h('button', {class: 'btn', on: {click}}, 'Label', childNode, [more]) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  const value = setAttrs(el, attrs);
  addChildren(el, children);
  if (value !== undefined) el.value = value;
  return el;
}

/** Same as h() for SVG elements. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  addChildren(el, children);
  return el;
}

/** Replace all children of el with the given nodes/strings. */
export function setChildren(el, ...children) {
  el.replaceChildren();
  addChildren(el, children);
  return el;
}

/** Append nodes/strings (null/false skipped, arrays flattened). */
export function append(el, ...children) {
  addChildren(el, children);
  return el;
}

/** Set text only when it changed (keeps selections stable). */
export function setText(el, text) {
  const t = text === null || text === undefined ? '' : String(text);
  if (el.textContent !== t) el.textContent = t;
}

/** A '#/...' link target built from path parts; each part is URI-encoded. */
export function route(...parts) {
  return '#/' + parts.map((p) => encodeURIComponent(String(p))).join('/');
}

/** Elements that can take keyboard focus inside root. */
export function focusables(root) {
  const sel = 'a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), ' +
    'select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
  return [...root.querySelectorAll(sel)].filter((el) => el.offsetParent !== null || el === document.activeElement);
}

/** Debounce a function by ms. */
export function debounce(fn, ms) {
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** The app's mark: a small clock, as inline SVG (no icon font, no network). */
export function logo() {
  return s('svg', { viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', 'stroke-width': 2, 'stroke-linecap': 'round', 'aria-hidden': 'true' },
    s('circle', { cx: 12, cy: 13, r: 8 }),
    s('path', { d: 'M12 9v4l2.5 2.5M9 2h6M12 2v3' }));
}
