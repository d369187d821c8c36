// pages/pipeline.js - one pipeline: its DAG, its steps with their
// descriptions and tested flags, a Run form, runs of one step, recent runs.

import { api } from '../api.js';
import { drawDag } from '../dag.js';
import {
  h, clear, badge, loading, empty, errorBox, pageHeader, runHref, toast, fmtTime,
  fmtDuration, timeTitle, shortId, rerender,
} from '../ui.js';

export async function render(root, [id], _query, stale) {
  root.appendChild(loading('Loading pipeline…'));
  let p;
  try {
    p = await api.pipeline(id);
  } catch (e) {
    if (stale()) return;
    clear(root).appendChild(errorBox(e, rerender));
    return;
  }
  if (stale()) return;
  clear(root);
  const steps = p.steps || [];

  const runBtn = h('button.btn.btn-primary#run-pipeline', { type: 'button', onclick: () => openRunForm(null) }, '▶ Run');
  root.appendChild(pageHeader(p.name || p.id, {
    crumbs: [h('a', { href: '#/pipelines' }, 'Pipelines'), ' / ', h('span.mono', p.id)],
    sub: p.description || null,
    actions: [
      h('a.btn', { href: '#/runs?pipeline=' + encodeURIComponent(p.id) }, 'All runs'),
      runBtn,
    ],
  }));

  const testedCount = () => steps.filter((s) => s.tested).length;
  const stats = h('div.stats',
    stat('Steps', steps.length),
    stat('Levels', Array.isArray(p.levels) ? p.levels.length : (p.levels ?? '—')),
    stat('Tested', h('span#tested-count', `${testedCount()} / ${steps.length}`)),
    stat('Params', (p.params || []).length));
  root.appendChild(stats);

  // The graph.
  const dagBox = h('div.dag-scroll');
  const graphPanel = h('section.panel',
    h('div.panel-head', h('h2', 'Graph'), h('span.muted.small', 'Click a step to see it below.')),
    dagBox);
  root.appendChild(graphPanel);
  const redraw = () => {
    clear(dagBox);
    if (!steps.length) {
      dagBox.appendChild(empty('This pipeline has no steps.'));
      return;
    }
    dagBox.appendChild(drawDag(steps, {
      sub: (st) => st.description || st.kind || '',
      onSelect: (name) => {
        const el = root.querySelector(`.step-card[data-step="${CSS.escape(name)}"]`);
        if (el) {
          el.scrollIntoView({ behavior: 'smooth', block: 'center' });
          el.classList.add('flash');
          setTimeout(() => el.classList.remove('flash'), 1200);
        }
      },
    }));
  };
  redraw();

  // Steps.
  const stepsPanel = h('section.panel',
    h('div.panel-head', h('h2', 'Steps'),
      h('span.muted.small', 'Mark a step as tested once you have checked it by hand.')),
    h('div.step-list', steps.map(stepCard)));
  root.appendChild(stepsPanel);

  function stepCard(st) {
    const toggle = h('input.switch-input', {
      type: 'checkbox', checked: st.tested, 'aria-label': `Tested: ${st.name}`,
      'data-testid': 'tested-toggle',
    });
    const who = h('span.muted.small.tested-by');
    const setWho = () => {
      who.textContent = st.tested
        ? `tested${st.tested_by ? ' by ' + st.tested_by : ''}${st.tested_at ? ' · ' + fmtTime(st.tested_at) : ''}`
        : 'not tested';
    };
    setWho();
    toggle.addEventListener('change', async () => {
      const want = toggle.checked;
      toggle.disabled = true;
      try {
        const res = await api.setTested(p.id, st.name, want);
        st.tested = want;
        if (res && typeof res === 'object') {
          if ('tested' in res) st.tested = !!res.tested;
          if ('tested_by' in res) st.tested_by = res.tested_by;
          if ('tested_at' in res) st.tested_at = res.tested_at;
        }
        if (st.tested && !st.tested_at) st.tested_at = new Date().toISOString();
        toggle.checked = st.tested;
        setWho();
        card.classList.toggle('is-tested', st.tested);
        root.querySelector('#tested-count').textContent = `${testedCount()} / ${steps.length}`;
        redraw();
        toast(`${st.name}: marked as ${st.tested ? 'tested' : 'not tested'}.`, 'ok');
      } catch (e) {
        toggle.checked = !want;
        toast(`Could not change the tested flag of ${st.name}: ${e.message}`, 'error');
      } finally {
        toggle.disabled = false;
      }
    });
    const card = h('article.step-card', { 'data-step': st.name, class: st.tested ? 'is-tested' : null },
      h('div.step-main',
        h('div.step-title',
          h('span.step-name', st.name),
          st.kind ? h('span.tag', st.kind) : null,
          Number.isInteger(st.level) ? h('span.tag.tag-light', 'level ' + st.level) : null),
        h('p.step-desc', st.description || h('span.muted', 'No description.')),
        st.command ? h('code.step-cmd', st.command) : null,
        (st.depends_on && st.depends_on.length)
          ? h('div.muted.small', 'after ', st.depends_on.map((d, i) => [i ? ', ' : '', h('span.mono', d)]))
          : h('div.muted.small', 'no dependencies')),
      h('div.step-side',
        h('label.switch', toggle, h('span.switch-track'), h('span.switch-label', 'Tested')),
        who,
        h('button.btn.btn-small', { type: 'button', 'data-testid': 'run-step', onclick: () => openRunForm(st.name) },
          '▶ Run this step')));
    return card;
  }

  // Recent runs.
  const recent = h('section.panel',
    h('div.panel-head', h('h2', 'Recent runs'),
      h('a.small', { href: '#/runs?pipeline=' + encodeURIComponent(p.id) }, 'See all')),
    loading('Loading runs…'));
  root.appendChild(recent);
  api.runs({ pipeline: p.id, limit: 10 }).then((d) => {
    if (stale()) return;
    recent.lastChild.remove();
    const runs = (d && d.runs) || [];
    if (!runs.length) {
      recent.appendChild(empty('No runs yet', 'Press Run to start the first one.'));
      return;
    }
    recent.appendChild(h('table.table',
      h('thead', h('tr', h('th', 'Run'), h('th', 'Tenant'), h('th', 'Status'), h('th', 'Started'), h('th.num', 'Duration'))),
      h('tbody', runs.map((r) => h('tr',
        h('td', h('a.mono', { href: runHref(r.id) }, shortId(r.id))),
        h('td', r.tenant || h('span.muted', '—')),
        h('td', badge(r.status)),
        h('td', { title: timeTitle(r.started_at) }, fmtTime(r.started_at)),
        h('td.num', fmtDuration(r.duration_ms)))))));
  }).catch((e) => {
    if (stale()) return;
    recent.lastChild.remove();
    recent.appendChild(errorBox(e));
  });

  // The Run form, as a modal dialog.
  let tenantsCache = null;
  async function openRunForm(step) {
    const dlg = h('dialog.dialog.run-dialog');
    const form = h('form');
    const errBox = h('div.form-error', { role: 'alert', hidden: true });
    const tenantSel = h('select', { name: 'tenant', disabled: true }, h('option', { value: '' }, 'Loading tenants…'));
    const submit = h('button.btn.btn-primary', { type: 'submit' }, step ? 'Run step' : 'Start run');
    form.append(
      h('h2', step ? `Run one step: ${step}` : `Run ${p.name || p.id}`),
      step ? h('p.muted.small', 'Only this step runs; its dependencies are not re-run.') : null,
      h('label.field', 'Tenant', tenantSel),
      (p.params || []).length
        ? h('fieldset.params', h('legend', 'Params'), (p.params || []).map((pr) => h('label.field',
          h('span', pr.name, pr.description ? h('span.muted.small', ' — ' + pr.description) : null),
          h('input', {
            name: 'param:' + pr.name, value: pr.default ?? '',
            placeholder: pr.default === null || pr.default === undefined ? 'required' : '',
            'data-param': pr.name,
          }))))
        : h('p.muted.small', 'This pipeline takes no params.'),
      errBox,
      h('div.dialog-actions',
        h('button.btn', { type: 'button', onclick: () => dlg.close() }, 'Cancel'),
        submit));
    dlg.appendChild(form);
    document.body.appendChild(dlg);
    dlg.addEventListener('close', () => dlg.remove());
    dlg.showModal();

    try {
      tenantsCache = tenantsCache || ((await api.tenants()).tenants || []);
      clear(tenantSel);
      tenantSel.appendChild(h('option', { value: '' }, '(no tenant)'));
      for (const t of tenantsCache) {
        tenantSel.appendChild(h('option', { value: t.id, disabled: t.enabled === false },
          `${t.name && t.name !== t.id ? t.name + ' (' + t.id + ')' : t.id}${t.enabled === false ? ' — disabled' : ''}`));
      }
      const enabled = tenantsCache.filter((t) => t.enabled !== false &&
        (!t.pipelines || !t.pipelines.length || t.pipelines.includes(p.id)));
      if (enabled.length) tenantSel.value = enabled[0].id;
      tenantSel.disabled = false;
    } catch (e) {
      clear(tenantSel).appendChild(h('option', { value: '' }, '(no tenant)'));
      tenantSel.disabled = false;
      errBox.hidden = false;
      errBox.textContent = 'Tenants could not be loaded: ' + e.message;
    }

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const body = { pipeline: p.id };
      if (tenantSel.value) body.tenant = tenantSel.value;
      if (step) body.step = step;
      const params = {};
      for (const inp of form.querySelectorAll('[data-param]')) params[inp.dataset.param] = inp.value;
      if (Object.keys(params).length) body.params = params;
      submit.disabled = true;
      submit.textContent = 'Starting…';
      errBox.hidden = true;
      try {
        const res = await api.startRun(body);
        dlg.close();
        toast(`Run ${shortId(res.run_id)} started.`, 'ok');
        location.hash = runHref(res.run_id);
      } catch (e) {
        errBox.hidden = false;
        errBox.textContent = e.message;
        submit.disabled = false;
        submit.textContent = step ? 'Run step' : 'Start run';
      }
    });
  }

  return () => {
    for (const d of document.querySelectorAll('dialog.run-dialog')) d.remove();
  };
}

function stat(label, value) {
  return h('div.stat', h('div.stat-value', value), h('div.stat-label', label));
}
