// pages/pipelines.js - every pipeline with its last status per tenant.

import { api, subscribe } from '../api.js';
import {
  h, clear, badge, loading, empty, errorBox, pageHeader, pipelineHref, runHref,
  debounce, liveDot,
} from '../ui.js';

export async function render(root, _params, _query, stale) {
  const live = liveDot();
  root.appendChild(pageHeader('Pipelines', {
    sub: 'Every pipeline file in the project, with its last run for each tenant.',
    actions: [live],
  }));
  const body = h('section.panel');
  root.appendChild(body);
  body.appendChild(loading('Loading pipelines…'));

  async function load() {
    let data;
    try {
      data = await api.pipelines();
    } catch (e) {
      if (stale()) return;
      clear(body).appendChild(errorBox(e, load));
      return;
    }
    if (stale()) return;
    clear(body);
    const list = (data && data.pipelines) || [];
    if (!list.length) {
      body.appendChild(empty('No pipelines yet',
        'Add a YAML file to the project\'s pipelines/ folder; it appears here on its own.'));
      return;
    }
    body.appendChild(h('table.table.pipelines-table',
      h('thead', h('tr',
        h('th', 'Pipeline'), h('th.num', 'Steps'), h('th', 'Last run'),
        h('th', 'By tenant'))),
      h('tbody', list.map(row))));
  }

  function row(p) {
    const tenants = p.by_tenant || [];
    return h('tr', { 'data-pipeline': p.id, class: p.invalid ? 'invalid' : null },
      h('td',
        h('a.strong', { href: pipelineHref(p.id) }, p.name || p.id),
        p.name && p.name !== p.id ? h('span.muted.mono.small', ' ', p.id) : null,
        p.description ? h('div.muted.small', p.description) : null,
        p.invalid ? h('div.invalid-note', badge('invalid'), ' ',
          (p.errors && p.errors.length ? p.errors : ['This file does not validate.'])
            .map((e) => h('div.error-line.mono', typeof e === 'string' ? e : (e.message || JSON.stringify(e))))) : null),
      h('td.num', p.steps ?? '—'),
      h('td', p.last_run_id
        ? h('a', { href: runHref(p.last_run_id) }, badge(p.last_status))
        : badge(p.last_status)),
      h('td', tenants.length
        ? h('div.chips', tenants.map((t) => h(t.run_id ? 'a.chip' : 'span.chip',
          { href: t.run_id ? runHref(t.run_id) : null, title: `${t.tenant || 'no tenant'}: ${t.status}` },
          h('span.chip-label', t.tenant || '(none)'), badge(t.status))))
        : h('span.muted', '—')));
  }

  await load();
  const reload = debounce(load, 400);
  const close = subscribe({}, (ev) => {
    const t = ev.data && ev.data.type;
    if (t === 'run.started' || t === 'run.finished') reload();
  }, live.set);
  return () => { close(); reload.cancel(); };
}
