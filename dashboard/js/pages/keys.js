// API keys (admin): create one (its secret is shown once, with a copy button), list
// the keys in force, revoke. Live. Other scopes see why the page is closed to them.

import { h, setText } from '../dom.js';
import { can, session } from '../access.js';
import { fieldSpec, fillChoices, loadContract } from '../contract.js';
import { confirmDialog, liveTable, relTime, runAction, selectField, toast } from '../ui.js';

export const title = 'API keys';

const SCOPES = [
  ['read', 'read — jobs, runs, metrics, audit (not workers or keys)'],
  ['operate', 'operate — also trigger, pause, resume, cancel, retry, redrive; workers'],
  ['admin', 'admin — also create, edit, delete jobs; manage keys'],
];

export function mount(root, ctx) {
  const head = h('div', { class: 'page-head' }, h('h1', { 'data-testid': 'page-title', tabindex: '-1' }, 'API keys'));
  if (!can('admin')) {
    root.append(h('section', { class: 'page' }, head,
      h('p', { class: 'notice', 'data-testid': 'keys-forbidden' },
        `Managing keys needs the admin scope; this key's scope is ${session.me ? session.me.scope : 'unknown'}.`)));
    return;
  }
  let poller;
  const kick = () => poller.kick();
  const total = h('span', { class: 'muted', 'data-testid': 'keys-total' });

  const table = liveTable({
    testid: 'keys-table',
    caption: 'API keys in force',
    empty: 'No keys created yet: only the bootstrap keys (API_KEYS) work.',
    columns: [
      { label: 'Name' }, { label: 'Scope' }, { label: 'Limit', cls: 'num' }, { label: 'Created' },
      { label: 'Last used' }, { label: 'Id', cls: 'col-opt' },
      { label: h('span', { class: 'sr-only' }, 'Actions'), cls: 'col-actions' },
    ],
    key: (k) => k.id,
    row: (k, { item }) => h('tr', { class: 'row', 'data-testid': 'key-row', dataset: { keyId: k.id, keyName: k.name, scope: k.scope } },
      h('td', { class: 'cell-name' }, k.name, k.id === (session.me && session.me.id) ? h('span', { class: 'muted small' }, ' (this key)') : null),
      h('td', null, h('span', { class: 'scope' }, k.scope)),
      h('td', { class: 'num' }, k.rate_limit_per_minute ? `${k.rate_limit_per_minute}/min` : 'none'),
      h('td', null, relTime(k.created_at)),
      h('td', null, k.last_used_at ? relTime(k.last_used_at) : h('span', { class: 'muted' }, 'never')),
      h('td', { class: 'col-opt mono small' }, k.id),
      h('td', { class: 'col-actions' }, h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'btn btn-sm btn-danger-ghost', 'data-testid': 'key-revoke', on: { click: (e) => revoke(item(), e.currentTarget) } }, 'Revoke')))),
  });

  async function revoke(key, button) {
    const ok = await confirmDialog({
      title: 'Revoke key?',
      message: `Revoke “${key.name}”? Every request made with it is refused from now on (within a second on every API instance). This cannot be undone.`,
      confirmLabel: 'Revoke key',
      danger: true,
    });
    if (!ok) return;
    await runAction(button, () => ctx.api.revokeKey(key.id), { success: `Revoked “${key.name}”` });
    kick();
  }

  // ---- the create form, and the new secret shown once
  const errors = {};
  const fieldError = (name) => (errors[name] = h('div', { class: 'field-error', id: `key-${name}-err`, hidden: true }));
  const name = h('input', { id: 'key-name', name: 'name', type: 'text', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'key-name-err' });
  const scope = selectField({ label: 'Scope', name: 'scope', testid: 'key-scope', value: 'read', options: SCOPES, onChange: () => {} });
  const limit = h('input', { id: 'key-rate-limit', name: 'rate_limit_per_minute', type: 'number', min: 1, step: 1, placeholder: 'unlimited', 'aria-describedby': 'key-rate_limit_per_minute-err' });
  // The scopes and the limit's range as the API's document has them.
  fillChoices(scope, ctx.api, 'KeyCreate', 'scope', Object.fromEntries(SCOPES));
  loadContract(ctx.api).then((schemas) => {
    const spec = fieldSpec(schemas, 'KeyCreate', 'rate_limit_per_minute');
    if (spec.min !== null) limit.min = spec.min;
    if (spec.max !== null) limit.max = spec.max;
  });
  const formError = h('div', { class: 'form-error', role: 'alert', 'data-testid': 'form-error', hidden: true });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'key-create-submit' }, 'Create key');
  const created = h('div', { class: 'key-created', 'data-testid': 'key-created', hidden: true });

  function showErrors(fields, message) {
    formError.hidden = !message;
    setText(formError, message || '');
    for (const [field, box] of Object.entries(errors)) {
      const problem = (fields || {})[field];
      box.hidden = !problem;
      setText(box, problem || '');
      if (problem) box.setAttribute('data-testid', `field-error-${field}`); else box.removeAttribute('data-testid');
    }
  }

  function showSecret(key) {
    const secret = h('code', { class: 'mono key-secret', 'data-testid': 'key-secret' }, key.key);
    const copy = h('button', {
      type: 'button', class: 'btn btn-sm', 'data-testid': 'key-copy',
      on: {
        click: async () => {
          try {
            await navigator.clipboard.writeText(key.key);
            toast('Key copied', { kind: 'success' });
          } catch {
            getSelection().selectAllChildren(secret); // no clipboard access: select it for Ctrl+C
            toast('Copying was refused by the browser; the key is selected: press Ctrl+C.', { kind: 'error' });
          }
        },
      },
    }, 'Copy');
    const done = h('button', {
      type: 'button', class: 'btn btn-sm', 'data-testid': 'key-secret-done',
      on: { click: () => { created.replaceChildren(); created.hidden = true; } },
    }, 'I have stored it');
    created.replaceChildren(
      h('p', null, h('strong', null, `Key “${key.name}” (${key.scope}) created.`), ' Copy it now: it is shown only this once, and cannot be shown again.'),
      h('div', { class: 'key-secret-line' }, secret, copy, done));
    created.hidden = false;
  }

  async function onSubmit(e) {
    e.preventDefault();
    const body = { name: name.value.trim(), scope: scope.querySelector('select').value };
    if (limit.value !== '') body.rate_limit_per_minute = Number(limit.value);
    submit.disabled = true;
    try {
      const key = await ctx.api.createKey(body);
      showErrors({}, '');
      name.value = '';
      limit.value = '';
      showSecret(key);
      kick();
    } catch (err) {
      if (err.status !== 401) showErrors(err.fields, err.message);
    } finally {
      if (submit.isConnected) submit.disabled = false;
    }
  }

  const form = h('form', { class: 'card key-form', 'data-testid': 'key-form', novalidate: true, on: { submit: onSubmit } },
    h('h2', null, 'New key'),
    formError,
    h('div', { class: 'form-grid' },
      h('div', { class: 'field' }, h('label', { for: 'key-name' }, 'Name'), name, fieldError('name')),
      h('div', { class: 'field' }, scope, fieldError('scope')),
      h('div', { class: 'field' }, h('label', { for: 'key-rate-limit' }, 'Requests per minute'), limit, fieldError('rate_limit_per_minute'))),
    h('div', { class: 'form-actions' }, submit));

  root.append(h('section', { class: 'page' },
    h('div', { class: 'page-head' }, head.firstChild, total),
    h('p', { class: 'muted small' }, 'Keys created here work at once on every API instance. The keys in API_KEYS (admin) are not listed: they change only by redeploying.'),
    created,
    form,
    table.el));

  poller = ctx.poll(async (signal) => {
    const list = await ctx.api.listKeys({ signal });
    table.update(list.items || []);
    total.textContent = `${list.total} ${list.total === 1 ? 'key' : 'keys'}`;
  });
}
