// pages/tenants.js - the tenants the pipelines run for.  The API never
// sends credentials, and this page would not show them if it did.

import { api } from '../api.js';
import {
  h, clear, loading, empty, errorBox, pageHeader, pipelineHref,
} from '../ui.js';

export async function render(root, _params, _query, stale) {
  root.appendChild(pageHeader('Tenants', {
    sub: 'The accounts pipelines run for. Their credentials stay on the server and are never shown here.',
  }));
  const body = h('section.panel');
  root.appendChild(body);
  body.appendChild(loading('Loading tenants…'));

  async function load() {
    let data;
    try {
      data = await api.tenants();
    } catch (e) {
      if (stale()) return;
      clear(body).appendChild(errorBox(e, load));
      return;
    }
    if (stale()) return;
    clear(body);
    const list = (data && data.tenants) || [];
    if (!list.length) {
      body.appendChild(empty('No tenants',
        'Pipelines run without a tenant. Declare tenants in users.yaml (or pass --tenants FILE to baton serve).'));
      return;
    }
    const enabled = list.filter((t) => t.enabled !== false).length;
    body.appendChild(h('p.muted.small', `${list.length} tenants, ${enabled} enabled.`));
    body.appendChild(h('table.table.tenants-table',
      h('thead', h('tr', h('th', 'Tenant'), h('th', 'Platform'), h('th', 'Enabled'),
        h('th', 'Tags'), h('th', 'Pipelines'), h('th', ''))),
      h('tbody', list.map((t) => h('tr', { 'data-tenant': t.id, class: t.enabled === false ? 'disabled' : null },
        h('td', h('strong', t.name || t.id), t.name && t.name !== t.id ? h('div.muted.small.mono', t.id) : null),
        h('td', t.platform ? h('span.tag', t.platform) : h('span.muted', '—')),
        h('td', t.enabled === false ? h('span.pill.pill-off', 'disabled') : h('span.pill.pill-on', 'enabled')),
        h('td', (t.tags || []).length ? h('div.chips', t.tags.map((g) => h('span.tag.tag-light', g))) : h('span.muted', '—')),
        h('td', (t.pipelines || []).length
          ? h('div.chips', t.pipelines.map((p) => {
            const name = typeof p === 'string' ? p : p.name;
            return h('a.tag', { href: pipelineHref(name) }, name);
          }))
          : h('span.muted', 'all')),
        h('td', h('a.small', { href: '#/runs?tenant=' + encodeURIComponent(t.id) }, 'Runs')))))));
  }
  await load();
}
