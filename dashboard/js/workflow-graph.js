// A workflow drawn as its graph, in inline SVG: one node per step, placed in columns by
// dependency depth (a step sits one column right of its deepest upstream step), edges
// from each step's `after` list. A run's step statuses colour the nodes (class
// step-<status>) and are also written in each node, so colour is never the only cue.

import { h, s } from './dom.js';

export const STEP_STATUSES = ['WAITING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'SKIPPED', 'CANCELLED'];

const NODE_W = 168;
const NODE_H = 58;
const GAP_X = 64;
const GAP_Y = 22;
const PAD = 12;

/**
 * layoutSteps(steps) -> {nodes: [{id, depth, row, x, y}], edges: [{from, to}], width, height}
 * steps: [{id, after?: [ids]}]. An `after` id that is no step is ignored; a cycle (the API
 * refuses them) cannot loop forever: a step met again on its own path counts as depth 0.
 */
export function layoutSteps(steps) {
  const byId = new Map(steps.map((st) => [st.id, st]));
  const depth = new Map();
  const visiting = new Set();
  function depthOf(id) {
    if (depth.has(id)) return depth.get(id);
    if (visiting.has(id)) return 0;
    visiting.add(id);
    const ups = (byId.get(id).after || []).filter((u) => byId.has(u));
    const d = ups.length ? 1 + Math.max(...ups.map(depthOf)) : 0;
    visiting.delete(id);
    depth.set(id, d);
    return d;
  }
  const rows = [];
  const nodes = steps.map((st) => {
    const d = depthOf(st.id);
    const row = rows[d] = (rows[d] ?? -1) + 1;
    return { id: st.id, depth: d, row, x: PAD + d * (NODE_W + GAP_X), y: PAD + row * (NODE_H + GAP_Y) };
  });
  const edges = steps.flatMap((st) => (st.after || []).filter((u) => byId.has(u)).map((u) => ({ from: u, to: st.id })));
  const cols = Math.max(1, ...nodes.map((n) => n.depth + 1));
  const maxRows = Math.max(1, ...rows.map((r) => r + 1));
  return {
    nodes, edges,
    width: PAD * 2 + cols * NODE_W + (cols - 1) * GAP_X,
    height: PAD * 2 + maxRows * NODE_H + (maxRows - 1) * GAP_Y,
  };
}

const clip = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** The status legend: a swatch and the word for each step status. */
export function statusLegend() {
  return h('ul', { class: 'wf-legend small', 'data-testid': 'wf-legend', 'aria-label': 'Step statuses' },
    STEP_STATUSES.map((st) => h('li', null, h('span', { class: ['wf-swatch', `step-${st.toLowerCase()}`], 'aria-hidden': 'true' }), ` ${st.toLowerCase()}`)));
}

/**
 * workflowGraph({steps, runSteps?, selected?, onSelect?}) -> <svg>
 * steps: the definition's steps; runSteps: a run's [{id, status, items, reason}] (absent:
 * the definition alone, every node neutral). A run step the definition lacks (an edited
 * workflow) is drawn without edges.
 */
export function workflowGraph({ steps, runSteps = null, selected = null, onSelect = null }) {
  const known = new Set(steps.map((st) => st.id));
  const all = [...steps, ...(runSteps || []).filter((r) => !known.has(r.id)).map((r) => ({ id: r.id, after: [] }))];
  const defs = new Map(all.map((st) => [st.id, st]));
  const state = new Map((runSteps || []).map((r) => [r.id, r]));
  const { nodes, edges, width, height } = layoutSteps(all);
  const at = new Map(nodes.map((n) => [n.id, n]));

  const edgeEls = edges.map(({ from, to }) => {
    const a = at.get(from);
    const b = at.get(to);
    const x1 = a.x + NODE_W;
    const y1 = a.y + NODE_H / 2;
    const x2 = b.x - 4;
    const y2 = b.y + NODE_H / 2;
    const mid = (x1 + x2) / 2;
    return s('path', {
      class: 'wf-edge', d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`,
      'marker-end': 'url(#wf-arrow)', 'data-testid': 'wf-edge', dataset: { from, to },
    });
  });

  const nodeEls = nodes.map((n) => {
    const def = defs.get(n.id) || {};
    const run = state.get(n.id);
    const status = run ? run.status : null;
    const items = run && typeof run.items === 'number' ? run.items : null;
    const second = [status || (def.handler || ''), items !== null ? `${items} item${items === 1 ? '' : 's'}` : (def.for_each ? 'for each' : null)]
      .filter(Boolean).join(' · ');
    const label = `${n.id}${status ? `: ${status}` : ''}${items !== null ? `, ${items} items` : ''}${run && run.reason ? ` (${run.reason})` : ''}`;
    const select = () => onSelect && onSelect(n.id);
    return s('g', {
      class: ['wf-node', status ? `step-${status.toLowerCase()}` : 'step-none', selected === n.id && 'is-selected'],
      transform: `translate(${n.x},${n.y})`,
      'data-testid': 'wf-step',
      dataset: { stepId: n.id, status: status || '' },
      role: onSelect ? 'button' : 'img',
      tabindex: onSelect ? '0' : null,
      'aria-label': label,
      'aria-pressed': onSelect ? String(selected === n.id) : null,
      on: onSelect ? {
        click: select,
        keydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); select(); } },
      } : {},
    },
    s('title', null, label),
    s('rect', { class: 'wf-box', width: NODE_W, height: NODE_H, rx: 7 }),
    s('rect', { class: 'wf-bar', width: 6, height: NODE_H, rx: 3 }),
    s('text', { class: 'wf-id', x: 16, y: 24 }, clip(n.id, 20)),
    s('text', { class: 'wf-sub', x: 16, y: 43, 'data-testid': 'wf-step-status' }, clip(second, 24)));
  });

  return s('svg', {
    class: 'wf-graph', viewBox: `0 0 ${width} ${height}`, width, height,
    role: 'group', 'aria-label': 'Workflow steps', 'data-testid': 'wf-graph',
  },
  s('defs', null, s('marker', { id: 'wf-arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'wf-arrowhead' }))),
  edgeEls, nodeEls);
}
