// Job actions shared by the Jobs table and the Job page: pause, resume, trigger
// (now, or with a payload / priority override), delete (after a confirmation).

import { h, route } from './dom.js';
import { fmtJson } from './format.js';
import { confirmDialog, openModal, runAction, toast } from './ui.js';
import { fieldSpec, loadContract } from './contract.js';

const quoted = (job) => `“${job.name}”`;

export function pauseJob(ctx, job, button) {
  return runAction(button, () => ctx.api.pauseJob(job.id), { success: `Paused ${quoted(job)}` });
}

export function resumeJob(ctx, job, button) {
  return runAction(button, () => ctx.api.resumeJob(job.id), { success: `Resumed ${quoted(job)}` });
}

function triggered(job) {
  return (x) => ({
    message: `Triggered ${quoted(job)}`,
    link: x && x.id ? { href: route('executions', x.id), text: 'View run' } : null,
  });
}

export function triggerJob(ctx, job, button) {
  return runAction(button, () => ctx.api.triggerJob(job.id), { success: triggered(job) });
}

/** Resolves true when the job was deleted. */
export async function deleteJob(ctx, job, button) {
  const ok = await confirmDialog({
    title: 'Delete job?',
    message: `Delete ${quoted(job)}? Its schedule stops; this cannot be undone.`,
    confirmLabel: 'Delete job',
    danger: true,
  });
  if (!ok) return false;
  const res = await runAction(button, async () => { await ctx.api.deleteJob(job.id); return true; }, { success: `Deleted ${quoted(job)}` });
  return res === true;
}

/** Trigger with overrides: payload and/or priority for this one run. */
export function openTriggerDialog(ctx, job, onDone = () => {}) {
  const err = h('div', { class: 'form-error', role: 'alert', 'data-testid': 'form-error', hidden: true });
  const payload = h('textarea', { id: 'trig-payload', name: 'payload', rows: 8, class: 'mono', spellcheck: 'false', 'data-testid': 'trigger-payload', value: fmtJson(job.payload || {}) });
  const priority = h('input', { id: 'trig-priority', name: 'priority', type: 'number', step: 1, 'data-testid': 'trigger-priority', value: String(job.priority ?? '') });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary', 'data-testid': 'trigger-submit' }, 'Trigger now');
  // The API's range (its OpenAPI document, read once): the browser flags a value outside it.
  loadContract(ctx.api).then((schemas) => {
    const spec = fieldSpec(schemas, 'Trigger', 'priority');
    if (spec.min !== null) priority.min = String(spec.min);
    if (spec.max !== null) priority.max = String(spec.max);
  });
  const fieldErr = { payload: h('div', { class: 'field-error', hidden: true }), priority: h('div', { class: 'field-error', hidden: true }) };

  function show(fields, message) {
    err.hidden = !message;
    err.textContent = message || '';
    for (const [name, box] of Object.entries(fieldErr)) {
      const msgs = Object.entries(fields || {}).filter(([k]) => k === name || k.startsWith(`${name}.`));
      box.hidden = !msgs.length;
      box.replaceChildren(...msgs.map(([k, m]) => h('div', null, k === name ? m : `${k}: ${m}`)));
      if (msgs.length) box.setAttribute('data-testid', `field-error-${name}`); else box.removeAttribute('data-testid');
    }
  }

  async function onSubmit(e) {
    e.preventDefault();
    const body = {};
    try {
      const parsed = JSON.parse(payload.value || '{}');
      if (JSON.stringify(parsed) !== JSON.stringify(job.payload || {})) body.payload = parsed;
    } catch (x) {
      show({ payload: `is not valid JSON: ${x.message}` }, 'Fix the payload JSON.');
      return;
    }
    if (priority.value !== '' && Number(priority.value) !== job.priority) body.priority = Number(priority.value);
    submit.disabled = true;
    try {
      const x = await ctx.api.triggerJob(job.id, Object.keys(body).length ? body : undefined);
      modal.close();
      const t = triggered(job)(x);
      toast(t.message, { kind: 'success', link: t.link });
      onDone(x);
    } catch (x) {
      if (x.status !== 401) show(x.fields, x.message);
    } finally {
      if (submit.isConnected) submit.disabled = false;
    }
  }

  const modal = openModal({
    title: `Trigger ${quoted(job)}`,
    testid: 'trigger-dialog',
    body: h('form', { class: 'job-form', 'data-testid': 'trigger-form', novalidate: true, on: { submit: onSubmit } },
      err,
      h('div', { class: 'field' }, h('label', { for: 'trig-priority' }, 'Priority for this run'), priority, fieldErr.priority),
      h('div', { class: 'field' }, h('label', { for: 'trig-payload' }, 'Payload for this run'), payload, fieldErr.payload),
      h('div', { class: 'form-actions' },
        h('button', { type: 'button', class: 'btn', on: { click: () => modal.close() } }, 'Cancel'),
        submit)),
    initialFocus: submit,
  });
  return modal;
}
