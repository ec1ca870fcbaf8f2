// One execution: status, actions, every attempt, payload and result. Live.

import { h, route, setText } from '../dom.js';
import { badge } from '../ui.js';
import { executionActions, executionDetail } from '../executions-view.js';

export const title = 'Execution';

export function mount(root, ctx) {
  const id = ctx.params.id;
  let sig = '';
  let poller;
  const heading = h('h1', { 'data-testid': 'page-title', tabindex: '-1' }, 'Execution');
  const statusEl = h('span', { class: 'head-badge' });
  const actions = h('div', { class: 'page-actions' });
  const body = h('div', { class: 'card' }, h('p', { class: 'muted' }, 'Loading…'));
  const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, h('a', { href: '#/executions' }, '← Executions'));
  root.append(h('section', { class: 'page' },
    crumbs,
    h('div', { class: 'page-head' }, h('div', { class: 'title-line' }, heading, statusEl), actions),
    body));

  poller = ctx.poll(async (signal) => {
    let x;
    try {
      x = await ctx.api.getExecution(id, { signal });
    } catch (err) {
      if (err.status === 404) {
        poller.stop();
        body.replaceChildren(h('p', { class: 'banner banner-error', role: 'alert' }, 'This execution does not exist. ', h('a', { href: '#/executions' }, 'Back to executions')));
        return;
      }
      throw err;
    }
    const next = JSON.stringify(x);
    if (next === sig) return;
    sig = next;
    const label = `${x.job_name || 'Execution'} · ${x.source || 'run'}`;
    setText(heading, label);
    ctx.setTitle(label);
    if (crumbs.children.length < 2 && x.job_id) {
      crumbs.append(h('span', { 'aria-hidden': 'true' }, ' · '), h('a', { href: route('jobs', x.job_id) }, `Job: ${x.job_name || x.job_id}`));
    }
    statusEl.replaceChildren(badge(x.status, { 'data-testid': 'execution-status' }));
    const focused = document.activeElement && actions.contains(document.activeElement);
    actions.replaceChildren(h('div', { class: 'actions', 'data-testid': 'execution-row', dataset: { status: x.status, executionId: x.id } },
      executionActions(ctx, x, () => poller.kick())));
    if (focused) (actions.querySelector('button') || heading).focus();
    body.replaceChildren(executionDetail(ctx, x, { showOpen: false }));
  });
}
