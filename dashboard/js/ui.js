// Shared widgets: status badges, toasts, dialogs (confirm + modal), keyed live
// tables, pagination, key/value lists and JSON blocks.

import { h, focusables } from './dom.js';
import { fmtJson, fmtRelative, fmtTime, fmtFull, fmtDuration, parseTime } from './format.js';

/* ---------- badges ---------- */

export function badge(status, extra = {}) {
  const s = status ? String(status) : 'NONE';
  return h('span', { class: ['badge', `badge-${s.toLowerCase().replace(/[^a-z_]/g, '')}`], ...extra },
    s === 'NONE' ? '—' : s.replace(/_/g, ' '));
}

/* ---------- toasts ---------- */

let toastRegion;
export function toast(message, { kind = 'info', link, timeout = 5000 } = {}) {
  if (!toastRegion) {
    toastRegion = h('div', { class: 'toasts', 'aria-live': 'polite', 'data-testid': 'toasts' });
    document.body.appendChild(toastRegion);
  }
  const close = () => el.remove();
  const el = h('div', { class: ['toast', `toast-${kind}`], role: kind === 'error' ? 'alert' : 'status', 'data-testid': 'toast', dataset: { kind } },
    h('span', { class: 'toast-msg' }, message),
    link ? h('a', { href: link.href, class: 'toast-link', on: { click: close } }, link.text) : null,
    h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Dismiss', on: { click: close } }, '×'));
  toastRegion.appendChild(el);
  if (timeout) setTimeout(close, kind === 'error' ? timeout * 2 : timeout);
  return el;
}

/* ---------- dialogs ---------- */

const openDialogs = new Set();

/** True while any modal is open (pages may use it to hold back intrusive updates). */
export function dialogOpen() { return openDialogs.size > 0; }

/** Close every dialog (on route change). */
export function closeAllDialogs() { for (const d of [...openDialogs]) d.close(); }

/**
 * openModal({title, body, footer, testid, onClose, initialFocus}) -> {dialog, close()}
 * A real <dialog> opened with showModal(): the page behind is inert, Escape closes it,
 * Tab / Shift+Tab wrap inside it, focus goes back to the opener when it closes.
 */
export function openModal({ title, body, footer, testid = 'dialog', onClose, initialFocus, wide = false }) {
  const opener = document.activeElement;
  const titleId = `dlg-title-${Math.random().toString(36).slice(2, 8)}`;
  const dialog = h('dialog', { class: ['modal', wide && 'modal-wide'], 'aria-labelledby': titleId, 'data-testid': testid },
    h('div', { class: 'modal-head' },
      h('h2', { id: titleId }, title),
      h('button', { type: 'button', class: 'icon-btn', 'aria-label': 'Close', 'data-testid': 'dialog-close', on: { click: () => close() } }, '×')),
    h('div', { class: 'modal-body' }, body),
    footer ? h('div', { class: 'modal-foot' }, footer) : null);
  let closed = false;
  function close(value) {
    if (closed) return;
    closed = true;
    openDialogs.delete(api);
    if (dialog.open) dialog.close();
    dialog.remove();
    if (onClose) onClose(value);
    const back = opener && opener.isConnected ? opener : document.querySelector('main h1');
    if (back && typeof back.focus === 'function') back.focus({ preventScroll: true });
  }
  dialog.addEventListener('cancel', (e) => { e.preventDefault(); close(); }); // Escape
  dialog.addEventListener('keydown', (e) => {
    if (e.key !== 'Tab') return;
    const items = focusables(dialog);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  });
  dialog.addEventListener('mousedown', (e) => { if (e.target === dialog) close(); }); // backdrop click
  document.body.appendChild(dialog);
  const api = { dialog, close };
  openDialogs.add(api);
  dialog.showModal();
  const target = typeof initialFocus === 'function' ? initialFocus(dialog) : initialFocus;
  if (target) target.focus();
  return api;
}

/** confirmDialog({title, message, confirmLabel, danger}) -> Promise<boolean> */
export function confirmDialog({ title, message, details, confirmLabel = 'Confirm', danger = false }) {
  return new Promise((resolve) => {
    let result = false;
    const no = h('button', { type: 'button', class: 'btn', 'data-testid': 'confirm-no', on: { click: () => modal.close() } }, 'Cancel');
    const yes = h('button', {
      type: 'button', class: ['btn', danger ? 'btn-danger' : 'btn-primary'], 'data-testid': 'confirm-yes',
      on: { click: () => { result = true; modal.close(); } },
    }, confirmLabel);
    const modal = openModal({
      title,
      testid: 'confirm-dialog',
      body: [h('p', { class: 'confirm-msg' }, message), details ? h('p', { class: 'confirm-details mono' }, details) : null],
      footer: [no, yes],
      initialFocus: no,
      onClose: () => resolve(result),
    });
  });
}

/* ---------- small blocks ---------- */

export function jsonBlock(value, attrs = {}) {
  const empty = value === null || value === undefined;
  return h('pre', { class: ['json', empty && 'muted'], ...attrs }, empty ? 'null' : fmtJson(value));
}

/** Definition list from [[label, value-node-or-text, testid?], ...] */
export function kvList(rows, cls = 'kv') {
  return h('dl', { class: cls }, rows.filter(Boolean).map(([label, value, testid]) => [
    h('dt', null, label),
    h('dd', testid ? { 'data-testid': testid } : null, value === null || value === undefined || value === '' ? '—' : value),
  ]));
}

export function emptyState(text) {
  return h('div', { class: 'empty' }, text);
}

/** Run an async action from a button: disables it meanwhile, toasts errors. */
export async function runAction(button, fn, { success } = {}) {
  if (button) button.disabled = true;
  try {
    const result = await fn();
    if (success) {
      const s = typeof success === 'function' ? success(result) : success;
      if (s) toast(s.message || s, { kind: 'success', link: s.link });
    }
    return result;
  } catch (err) {
    if (err && err.status !== 401) toast(err.message || String(err), { kind: 'error' });
    return undefined;
  } finally {
    if (button && button.isConnected) button.disabled = false;
  }
}

/* ---------- live keyed table ---------- */

/**
 * A table whose rows are kept by key across refreshes: an unchanged row keeps its
 * DOM (focus, selection, hover), a changed row is rebuilt in place, expanded rows
 * stay expanded.
 *
 * liveTable({columns: [{label, cls}], key, row(item, ctx) -> <tr>, detail?(item) -> Node,
 *            signature?(item) -> string, empty: 'text', testid})
 * ctx = {expanded: bool, toggle: () => void, item: () => latest item for this key}
 * (handlers should read ctx.item(): an unchanged cell keeps its old DOM and closures)
 */
export function liveTable({ columns, key, row, detail, signature, empty = 'Nothing here yet.', testid, caption }) {
  const tbody = h('tbody');
  const table = h('table', { class: 'table', 'data-testid': testid },
    caption ? h('caption', { class: 'sr-only' }, caption) : null,
    h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.cls }, c.label)))),
    tbody);
  const wrap = h('div', { class: 'table-wrap' }, table);
  const rows = new Map(); // key -> {item, sig, tr, detailTr}
  const expanded = new Set();
  let emptyRow = null;
  let loaded = false;

  const sigOf = (item) => (signature ? signature(item) : JSON.stringify(item));

  function build(item, k) {
    const isOpen = expanded.has(k);
    const ctx = { expanded: isOpen, toggle: () => toggle(k), item: () => (rows.get(k) || { item }).item };
    const tr = row(item, ctx);
    tr.dataset.key = k;
    if (isOpen) tr.classList.add('is-expanded');
    let detailTr = null;
    if (isOpen && detail) {
      detailTr = h('tr', { class: 'detail-row', 'data-testid': 'row-detail' },
        h('td', { colspan: columns.length }, detail(item)));
    }
    return { item, sig: `${isOpen ? 1 : 0}|${sigOf(item)}`, tr, detailTr };
  }

  /** Make `old` look like `fresh`: same attributes, and only the cells that differ swapped. */
  function patchRow(old, fresh) {
    for (const { name } of [...old.attributes]) if (!fresh.hasAttribute(name)) old.removeAttribute(name);
    for (const { name, value } of [...fresh.attributes]) if (old.getAttribute(name) !== value) old.setAttribute(name, value);
    const oldCells = [...old.children];
    const newCells = [...fresh.children];
    newCells.forEach((cell, i) => {
      if (!oldCells[i].isEqualNode(cell)) oldCells[i].replaceWith(cell);
    });
  }

  function replace(k, next) {
    const prev = rows.get(k);
    const active = document.activeElement;
    const focusId = prev && active && (prev.tr.contains(active) || (prev.detailTr && prev.detailTr.contains(active)))
      ? active.getAttribute('data-testid') : null;
    if (prev) {
      // Same shape: patch in place, so untouched buttons keep their DOM (no lost clicks).
      if (prev.tr.children.length === next.tr.children.length) {
        patchRow(prev.tr, next.tr);
        next.tr = prev.tr;
      } else {
        prev.tr.replaceWith(next.tr);
      }
      if (prev.detailTr && next.detailTr) {
        if (prev.detailTr.isEqualNode(next.detailTr)) next.detailTr = prev.detailTr;
        else prev.detailTr.replaceWith(next.detailTr);
      } else if (prev.detailTr) {
        prev.detailTr.remove();
      } else if (next.detailTr) {
        next.tr.after(next.detailTr);
      }
    }
    rows.set(k, next);
    if (focusId && !next.tr.contains(document.activeElement)) {
      const again = next.tr.querySelector(`[data-testid="${focusId}"]`) ||
        (next.detailTr && next.detailTr.querySelector(`[data-testid="${focusId}"]`));
      if (again) again.focus({ preventScroll: true });
    }
  }

  function toggle(k) {
    if (expanded.has(k)) expanded.delete(k); else expanded.add(k);
    const cur = rows.get(k);
    if (cur) replace(k, build(cur.item, k));
  }

  function update(items) {
    loaded = true;
    const seen = new Set();
    const order = [];
    for (const item of items) {
      const k = String(key(item));
      seen.add(k);
      const cur = rows.get(k);
      const sig = `${expanded.has(k) ? 1 : 0}|${sigOf(item)}`;
      if (!cur) {
        rows.set(k, build(item, k));
      } else if (cur.sig !== sig) {
        replace(k, build(item, k));
      } else {
        cur.item = item;
      }
      order.push(rows.get(k));
    }
    for (const [k, r] of rows) {
      if (!seen.has(k)) {
        r.tr.remove();
        if (r.detailTr) r.detailTr.remove();
        rows.delete(k);
      }
    }
    // Put rows in order, moving only what is out of place (moving a node blurs it).
    let cursor = tbody.firstChild;
    if (cursor === emptyRow && emptyRow) { emptyRow.remove(); emptyRow = null; cursor = tbody.firstChild; }
    for (const r of order) {
      for (const node of [r.tr, r.detailTr]) {
        if (!node) continue;
        if (cursor === node) cursor = cursor.nextSibling;
        else tbody.insertBefore(node, cursor);
      }
    }
    if (!items.length) {
      if (!emptyRow) {
        emptyRow = h('tr', { class: 'empty-row' }, h('td', { colspan: columns.length, 'data-testid': 'table-empty' }, empty));
      }
      tbody.appendChild(emptyRow);
    } else if (emptyRow) {
      emptyRow.remove();
      emptyRow = null;
    }
  }

  /** Set the empty text (e.g. "No jobs match these filters"). */
  function setEmpty(text) {
    empty = text;
    if (emptyRow) emptyRow.firstChild.textContent = text;
  }

  // Loading placeholder until the first data arrives.
  tbody.appendChild(h('tr', { class: 'empty-row' }, h('td', { colspan: columns.length }, h('span', { class: 'muted' }, 'Loading…'))));
  const origUpdate = update;
  return {
    el: wrap,
    update(items) {
      if (!loaded) tbody.replaceChildren();
      origUpdate(items);
    },
    setEmpty,
    toggle,
    isExpanded: (k) => expanded.has(String(k)),
  };
}

/* ---------- pagination ---------- */

/**
 * Cursor pagination kept across refreshes: the page re-fetches with the cursor of
 * the page it shows. pager.cursor -> cursor for the current page.
 */
export function pager({ limit, onChange }) {
  const stack = []; // cursors of previous pages
  let cursor = null;
  let next = null;
  const info = h('span', { class: 'pager-info', 'data-testid': 'pagination-info' });
  const prevBtn = h('button', {
    type: 'button', class: 'btn btn-sm', 'data-testid': 'pagination-prev', disabled: true,
    on: { click: () => { cursor = stack.pop() ?? null; onChange(); } },
  }, '‹ Prev');
  const nextBtn = h('button', {
    type: 'button', class: 'btn btn-sm', 'data-testid': 'pagination-next', disabled: true,
    on: { click: () => { if (next) { stack.push(cursor); cursor = next; onChange(); } } },
  }, 'Next ›');
  const el = h('div', { class: 'pager', hidden: true }, info, h('span', { class: 'pager-btns' }, prevBtn, nextBtn));
  return {
    el,
    limit,
    get cursor() { return cursor; },
    reset() { stack.length = 0; cursor = null; next = null; },
    update(list) {
      next = list.next_cursor || null;
      const count = (list.items || []).length;
      const start = stack.length * limit;
      const total = typeof list.total === 'number' ? list.total : null;
      info.textContent = count
        ? `${start + 1}–${start + count}${total !== null ? ` of ${total}` : ''}`
        : (total ? `0 of ${total}` : '');
      prevBtn.disabled = stack.length === 0;
      nextBtn.disabled = !next;
      el.hidden = stack.length === 0 && !next;
      // The page we were on emptied (e.g. items deleted): go back one.
      if (!count && stack.length) { cursor = stack.pop() ?? null; onChange(); }
    },
  };
}

/** A <select> of options [[value, label]], with a visible label. */
export function selectField({ label, name, options, value = '', testid, onChange }) {
  const id = `f-${name}-${Math.random().toString(36).slice(2, 7)}`;
  const sel = h('select', { id, name, 'data-testid': testid, value, on: { change: (e) => onChange(e.target.value) } },
    options.map(([v, l]) => h('option', { value: v }, l)));
  return h('label', { class: 'filter', for: id }, h('span', { class: 'filter-label' }, label), sel);
}

/* ---------- times that keep themselves current ---------- */

/** <time> showing "12s ago" / "in 4s"; the clock below keeps it current every second. */
export function relTime(iso, { withClock = false, testid } = {}) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const el = h('time', { datetime: iso, title: fmtFull(iso), 'data-rel': withClock ? 'clock' : 'rel', 'data-testid': testid });
  el.textContent = relText(el);
  return el;
}

function relText(el) {
  const iso = el.getAttribute('datetime');
  return el.dataset.rel === 'clock' ? `${fmtTime(iso)} · ${fmtRelative(iso)}` : fmtRelative(iso);
}

/** Elapsed time since iso, ticking (for RUNNING executions). */
export function elapsed(iso) {
  const el = h('span', { class: 'elapsed', 'data-since': iso, title: `running since ${fmtFull(iso)}` });
  el.textContent = elapsedText(iso);
  return el;
}

function elapsedText(iso) {
  const d = parseTime(iso);
  return d ? `${fmtDuration(Math.max(0, Date.now() - d.getTime()))}…` : '—';
}

let clock = null;
export function startClock() {
  if (clock) return;
  clock = setInterval(() => {
    if (document.hidden) return;
    for (const el of document.querySelectorAll('time[data-rel]')) {
      const t = relText(el);
      if (el.textContent !== t) el.textContent = t;
    }
    for (const el of document.querySelectorAll('[data-since]')) {
      const t = elapsedText(el.dataset.since);
      if (el.textContent !== t) el.textContent = t;
    }
  }, 1000);
}
