// Sign-in: the API key is checked against the API, then kept in sessionStorage.

import { h, logo } from '../dom.js';
import { auth } from '../api.js';
import { session } from '../access.js';

export const title = 'Sign in';

export function mount(root, ctx) {
  const flash = ctx.flash();
  const next = ctx.query.next && ctx.query.next.startsWith('#/') && !ctx.query.next.startsWith('#/signin')
    ? ctx.query.next : '#/overview';
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'signin-error', hidden: true });
  const input = h('input', {
    id: 'signin-key', name: 'api_key', type: 'password', autocomplete: 'current-password', required: true,
    spellcheck: 'false', 'data-testid': 'signin-key', 'aria-describedby': 'signin-help',
  });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'signin-submit' }, 'Sign in');

  async function onSubmit(e) {
    e.preventDefault();
    const key = input.value.trim();
    error.hidden = true;
    if (!key) {
      error.textContent = 'Enter an API key.';
      error.hidden = false;
      input.focus();
      return;
    }
    submit.disabled = true;
    submit.textContent = 'Checking…';
    try {
      session.me = await ctx.api.checkKey(key);
      auth.key = key;
      ctx.navigate(next);
    } catch (err) {
      error.textContent = err.status === 401 || err.status === 403
        ? 'That API key was not accepted.'
        : err.message;
      error.hidden = false;
      input.select();
      input.focus();
    } finally {
      if (submit.isConnected) {
        submit.disabled = false;
        submit.textContent = 'Sign in';
      }
    }
  }

  root.append(h('section', { class: 'signin' },
    h('form', { class: 'card signin-card', 'data-testid': 'signin-form', novalidate: true, on: { submit: onSubmit } },
      h('div', { class: 'signin-brand' }, h('span', { class: 'brand-mark', 'aria-hidden': 'true' }, logo()), 'Job Scheduler'),
      h('h1', { 'data-testid': 'page-title', tabindex: '-1' }, 'Sign in'),
      flash ? h('p', { class: 'notice', role: 'status', 'data-testid': 'signin-message' }, flash) : null,
      h('label', { for: 'signin-key' }, 'API key'),
      input,
      h('p', { id: 'signin-help', class: 'help' },
        'Kept in this tab only (sessionStorage). API: ', h('code', { 'data-testid': 'signin-api-url' }, ctx.api.base)),
      error,
      submit)));
  input.focus();
}
