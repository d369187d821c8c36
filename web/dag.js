// dag.js - draws a pipeline's steps as an SVG graph, one column per DAG
// level, dependencies as curved paths from left to right.

const NS = 'http://www.w3.org/2000/svg';
const NODE_W = 190;
const NODE_H = 52;
const GAP_X = 70;
const GAP_Y = 22;
const PAD = 16;

function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== undefined && v !== null) el.setAttribute(k, v);
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function clip(text, max) {
  text = String(text || '');
  return text.length > max ? text.slice(0, max - 1) + '…' : text;
}

// Computes a level for each step when the server did not give one:
// 0 for steps with no dependencies, else 1 + the deepest dependency.
function levelsOf(steps) {
  const byName = new Map(steps.map((st) => [st.name, st]));
  const memo = new Map();
  const visit = (name, seen) => {
    if (memo.has(name)) return memo.get(name);
    const st = byName.get(name);
    if (!st || seen.has(name)) return 0;
    seen.add(name);
    let lv = 0;
    for (const d of st.depends_on || []) lv = Math.max(lv, visit(d, seen) + 1);
    seen.delete(name);
    memo.set(name, lv);
    return lv;
  };
  const out = new Map();
  for (const st of steps) {
    out.set(st.name, Number.isInteger(st.level) ? st.level : visit(st.name, new Set()));
  }
  return out;
}

// drawDag(steps, {status: name -> status word, sub: name -> text,
//                 onSelect: name -> void, selected: name})
export function drawDag(steps, opts = {}) {
  const level = levelsOf(steps);
  const columns = [];
  for (const st of steps) {
    const lv = level.get(st.name) || 0;
    (columns[lv] = columns[lv] || []).push(st);
  }
  const pos = new Map();
  let maxRows = 0;
  columns.forEach((col, lv) => {
    (col || []).forEach((st, i) => {
      pos.set(st.name, { x: PAD + lv * (NODE_W + GAP_X), y: PAD + i * (NODE_H + GAP_Y) });
    });
    maxRows = Math.max(maxRows, (col || []).length);
  });
  const width = PAD * 2 + columns.length * NODE_W + Math.max(0, columns.length - 1) * GAP_X;
  const height = PAD * 2 + maxRows * NODE_H + Math.max(0, maxRows - 1) * GAP_Y;

  const svg = s('svg', {
    class: 'dag', width, height, viewBox: `0 0 ${width} ${height}`,
    role: 'img', 'aria-label': `Pipeline graph of ${steps.length} steps`,
  });
  svg.appendChild(s('defs', {},
    s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    s('path', { d: 'M0,0 L10,5 L0,10 z', class: 'dag-arrow' }))));

  const edges = s('g', { class: 'dag-edges' });
  for (const st of steps) {
    const to = pos.get(st.name);
    for (const dep of st.depends_on || []) {
      const from = pos.get(dep);
      if (!from || !to) continue;
      const x1 = from.x + NODE_W;
      const y1 = from.y + NODE_H / 2;
      const x2 = to.x - 2;
      const y2 = to.y + NODE_H / 2;
      const mx = (x1 + x2) / 2;
      edges.appendChild(s('path', {
        class: 'dag-edge', d: `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`,
        'marker-end': 'url(#arrow)', 'data-from': dep, 'data-to': st.name,
      }));
    }
  }
  svg.appendChild(edges);

  const nodes = s('g', { class: 'dag-nodes' });
  for (const st of steps) {
    const p = pos.get(st.name);
    const status = opts.status ? opts.status(st.name) : null;
    const sub = opts.sub ? opts.sub(st) : (st.kind || '');
    const g = s('g', {
      class: 'dag-node' + (status ? ' status-' + status : '') +
        (opts.selected === st.name ? ' selected' : '') + (st.tested ? ' tested' : ''),
      transform: `translate(${p.x},${p.y})`, 'data-step': st.name, tabindex: 0,
    },
    s('title', {}, st.name + (st.description ? ' — ' + st.description : '') +
      (status ? ` (${status})` : '')),
    s('rect', { width: NODE_W, height: NODE_H, rx: 8, ry: 8 }),
    s('rect', { class: 'dag-stripe', width: 5, height: NODE_H - 2, x: 1, y: 1, rx: 3 }),
    s('text', { x: 14, y: 21, class: 'dag-name' }, clip(st.name, 22)),
    s('text', { x: 14, y: 39, class: 'dag-sub' }, clip(sub, 28)),
    st.tested ? s('text', { x: NODE_W - 10, y: 21, class: 'dag-tested', 'text-anchor': 'end' }, '✓') : null);
    if (opts.onSelect) {
      g.addEventListener('click', () => opts.onSelect(st.name));
      g.addEventListener('keydown', (e) => { if (e.key === 'Enter') opts.onSelect(st.name); });
    }
    nodes.appendChild(g);
  }
  svg.appendChild(nodes);
  return svg;
}
