// compare/table.js — the live table: one row a variant, cells rewritten only when their text changes.
import { h, swatch } from './dom.js';
import { fmtCost, tableRow } from './model.js';

const COLUMNS = [
  ['train', 'Train cost'], ['test', 'Test cost'], ['trainAcc', 'Train acc.'], ['testAcc', 'Test acc.'],
  ['target', 'Epochs to target'], ['diverged', 'Diverged'], ['grad', '‖dW[1]‖'],
];
const TITLES = {
  target: 'First epoch whose train cost reached the target',
  grad: 'Mean norm of the first layer’s weight gradient over the last 10 epochs: small means vanishing gradients',
};

export function createTable(table) {
  table.classList.add('cmp-table');
  const targetHead = h('span', { class: 'cmp-th-note' });
  const head = h('tr', {}, h('th', { scope: 'col', text: 'Variant' }),
    COLUMNS.map(([key, text]) => h('th', { scope: 'col', class: `c-${key}`, title: TITLES[key] ?? null }, text,
      key === 'target' ? targetHead : key === 'grad' ? h('span', { class: 'cmp-th-note', text: '(mean)' }) : null)));
  const body = h('tbody');
  table.replaceChildren(h('caption', { class: 'sr-only', text: 'Each variant’s metrics, updated live' }),
    h('thead', {}, head), body);
  let rows = [];

  return {
    setVariants(labels) {
      rows = labels.map((label, i) => {
        const cells = Object.fromEntries(COLUMNS.map(([key]) => [key, h('td', { class: `c-${key}` })]));
        const tr = h('tr', {}, h('th', { scope: 'row' }, h('span', { class: 'cmp-variant' }, swatch(i), h('span', { text: label }))),
          COLUMNS.map(([key]) => cells[key]));
        return { tr, cells, last: {} };
      });
      body.replaceChildren(...rows.map((r) => r.tr));
    },
    setTarget(t) { targetHead.textContent = `(cost ≤ ${fmtCost(t)})`; },
    /** variants: the REST answer's or a frame's, in order. */
    update(variants) {
      variants.forEach((v, i) => {
        const r = rows[i];
        if (!r) return;
        const row = tableRow(v);
        for (const [key] of COLUMNS) {
          if (r.last[key] !== row[key]) { r.cells[key].textContent = row[key]; r.last[key] = row[key]; }
        }
        r.tr.classList.toggle('is-diverged', row.isDiverged);
        r.cells.target.classList.toggle('reached', row.reached);
      });
    },
  };
}
