// Audit log: every change made through the API, newest first, filterable; expand a row
// for each changed field's value before and after. Live.

import { h, route, debounce } from '../dom.js';
import { fmtJson, truncate } from '../format.js';
import { liveTable, pager, relTime, selectField } from '../ui.js';
import { fillChoices } from '../contract.js';

export const title = 'Audit log';

const ACTIONS = ['create', 'update', 'delete', 'pause', 'resume', 'trigger', 'backfill', 'cancel', 'retry', 'redrive', 'dlq_delete', 'key_create', 'key_revoke'];
// The words for each action and target; the choices themselves come from the API's
// document (fillChoices), so an action added there shows up here as its name.
const ACTION_LABELS = { dlq_delete: 'delete dead-letter entry', key_create: 'create API key', key_revoke: 'revoke API key' };
const TARGETS = [['job', 'Jobs'], ['execution', 'Executions'], ['dead_letter', 'Dead-letter entries'], ['key', 'API keys']];

const isScalar = (v) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** One line for the table: "priority 50 → 80, payload". */
export function changeSummary(changes) {
  const parts = Object.entries(changes || {}).map(([field, c]) => {
    const change = c || {};
    const { before, after } = change;
    if ('before' in change && 'after' in change && isScalar(before) && isScalar(after)) {
      return `${field} ${truncate(String(before), 20)} → ${truncate(String(after), 20)}`;
    }
    return field;
  });
  return truncate(parts.join(', '), 120);
}

function valueCell(change, side) {
  if (!(side in change)) return h('td', { class: 'muted' }, '—');
  const value = change[side];
  if (isScalar(value)) return h('td', { class: 'mono small', 'data-testid': `audit-${side}` }, value === null ? 'null' : String(value));
  return h('td', null, h('pre', { class: 'json', 'data-testid': `audit-${side}` }, fmtJson(value)));
}

/** Field | Before | After, one row per changed field. */
function changesTable(changes) {
  const rows = Object.entries(changes || {});
  if (!rows.length) return h('p', { class: 'muted' }, 'No field values recorded.');
  return h('div', { class: 'table-wrap' }, h('table', { class: 'table', 'data-testid': 'audit-changes' },
    h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Field'), h('th', { scope: 'col' }, 'Before'), h('th', { scope: 'col' }, 'After'))),
    h('tbody', null, rows.map(([field, change]) => h('tr', { 'data-testid': 'audit-change-row', dataset: { field } },
      h('th', { scope: 'row', class: 'mono small' }, field),
      valueCell(change || {}, 'before'),
      valueCell(change || {}, 'after'))))));
}

function targetLink(e) {
  const label = `${e.target_type.replace('_', ' ')} ${truncate(e.target_id, 13)}`;
  const href = {
    job: route('jobs', e.target_id),
    execution: route('executions', e.target_id),
    dead_letter: '#/dead-letter',
    key: '#/keys',
  }[e.target_type];
  return href ? h('a', { href, title: e.target_id, 'data-testid': 'audit-target' }, label) : label;
}

export function mount(root, ctx) {
  const filters = {
    action: ctx.query.action || '',
    target_type: ctx.query.target_type || '',
    target_id: ctx.query.target_id || '',
    key_id: ctx.query.key_id || '',
  };
  let version = 0;
  let poller;
  const filtered = () => Object.values(filters).some(Boolean);
  const emptyText = () => (filtered() ? 'No changes match these filters.' : 'No changes have been made through the API yet.');
  const refilter = () => {
    version++;
    pages.reset();
    ctx.setQuery(filters);
    table.setEmpty(emptyText());
    poller.kick();
  };
  const pages = pager({ limit: 50, onChange: () => { version++; poller.kick(); } });
  const total = h('span', { class: 'muted', 'data-testid': 'audit-total' });

  const table = liveTable({
    testid: 'audit-table',
    caption: 'Audit log',
    empty: emptyText(),
    columns: [
      { label: h('span', { class: 'sr-only' }, 'Details'), cls: 'col-toggle' },
      { label: 'When' }, { label: 'Key' }, { label: 'Action' }, { label: 'Target' }, { label: 'Changes', cls: 'col-opt' },
    ],
    key: (e) => e.id,
    row: (e, { expanded, toggle }) => h('tr', {
      class: ['row', 'row-clickable'], 'data-testid': 'audit-row',
      dataset: { action: e.action, targetType: e.target_type, targetId: e.target_id, keyId: e.key_id },
      on: {
        click: (ev) => {
          if (ev.target.closest('button, a') || String(window.getSelection()).length) return;
          toggle();
        },
      },
    },
    h('td', { class: 'col-toggle' }, h('button', {
      type: 'button', class: 'icon-btn expander', 'aria-expanded': String(expanded), 'data-testid': 'audit-expand',
      'aria-label': expanded ? 'Hide the changes' : 'Show the changes', on: { click: toggle },
    }, expanded ? '▾' : '▸')),
    h('td', null, relTime(e.at, { withClock: true })),
    h('td', { class: 'mono small', 'data-testid': 'audit-key' }, e.key_id),
    h('td', { 'data-testid': 'audit-action' }, ACTION_LABELS[e.action] || e.action),
    h('td', null, targetLink(e)),
    h('td', { class: 'col-opt small', 'data-testid': 'audit-summary' }, changeSummary(e.changes))),
    detail: (e) => h('div', { class: 'x-detail', 'data-testid': 'audit-detail' },
      h('p', { class: 'small muted' }, `${e.target_type.replace('_', ' ')} `, h('code', null, e.target_id)),
      changesTable(e.changes)),
  });

  const keyInput = h('input', {
    type: 'search', id: 'audit-key', name: 'key_id', placeholder: 'env-…', value: filters.key_id,
    autocomplete: 'off', spellcheck: 'false', 'data-testid': 'audit-filter-key',
    on: { input: debounce((ev) => { filters.key_id = ev.target.value.trim(); refilter(); }, 250) },
  });
  const targetChip = h('span', { class: 'chip', hidden: !filters.target_id, 'data-testid': 'audit-filter-target' },
    h('span', { class: 'chip-text' }, 'Target: ', h('code', null, filters.target_id)),
    h('button', {
      type: 'button', class: 'icon-btn', 'aria-label': 'Clear target filter',
      on: { click: () => { filters.target_id = ''; targetChip.hidden = true; refilter(); } },
    }, '×'));

  const actionWords = Object.fromEntries(ACTIONS.map((a) => [a, ACTION_LABELS[a] || a]));
  const actionFilter = selectField({
    label: 'Action', name: 'action', testid: 'audit-filter-action', value: filters.action,
    options: [['', 'All actions'], ...Object.entries(actionWords)],
    onChange: (v) => { filters.action = v; refilter(); },
  });
  const targetFilter = selectField({
    label: 'Target', name: 'target_type', testid: 'audit-filter-target-type', value: filters.target_type,
    options: [['', 'All targets'], ...TARGETS],
    onChange: (v) => { filters.target_type = v; refilter(); },
  });
  fillChoices(actionFilter, ctx.api, 'AuditEntry', 'action', actionWords, [['', 'All actions']]);
  fillChoices(targetFilter, ctx.api, 'AuditEntry', 'target_type', Object.fromEntries(TARGETS), [['', 'All targets']]);

  root.append(h('section', { class: 'page' },
    h('div', { class: 'page-head' }, h('h1', { 'data-testid': 'page-title', tabindex: '-1' }, 'Audit log'), total),
    h('p', { class: 'muted small' }, 'Every change made through the API: who (the id of the API key, never the key), what, when, and each changed field before and after. Entries are kept when jobs are deleted or cleaned up.'),
    h('div', { class: 'toolbar' },
      actionFilter,
      targetFilter,
      h('label', { class: 'filter', for: 'audit-key' }, h('span', { class: 'filter-label' }, 'Key id'), keyInput),
      targetChip),
    table.el,
    pages.el));

  poller = ctx.poll(async (signal) => {
    const v = version;
    const list = await ctx.api.listAudit({ ...filters, limit: pages.limit, cursor: pages.cursor }, { signal });
    if (v !== version) return; // filters changed meanwhile: the kicked tick will render
    table.update(list.items || []);
    pages.update(list);
    total.textContent = typeof list.total === 'number' ? `${list.total} ${list.total === 1 ? 'change' : 'changes'}` : '';
  });
}
