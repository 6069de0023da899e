// compare/table.js — the live table: one row a variant, cells rewritten only when their text changes.
// A lesson's quantities (quantities.js) are its key columns: added when they are not among the usual
// ones (dead units, saturation, distinct units, the gradient ratio), marked, and never dropped on a
// narrow side panel (compare.css), where the other columns go first.
import { QUANTITY_COLUMNS, unitCells } from '../quantities.js';
import { h, swatch } from './dom.js';
import { fmtCost, tableRow } from './model.js';

const COLUMNS = [
  ['train', 'Train cost'], ['test', 'Test cost'], ['trainAcc', 'Train acc.'], ['testAcc', 'Test acc.'],
  ['target', 'Epochs to target'], ['diverged', 'Diverged'], ['grad', '‖dW[1]‖'],
];
/** Shown only when a lesson is about them. */
const EXTRA = [
  ['dead', 'Dead units'], ['saturated', 'Saturated'], ['distinct', 'Distinct units'], ['layerGrads', '‖dW[1]‖ ÷ ‖dW[out]‖'],
];
const NOTES = { grad: '(mean)', saturated: '(per layer)', distinct: '(per layer)', layerGrads: '(10-epoch mean)' };
const TITLES = {
  target: 'First epoch whose train cost reached the target',
  grad: 'Mean norm of the first layer’s weight gradient over the last 10 epochs: small means vanishing gradients',
  dead: 'Hidden units whose output is 0 at every training point: they get no gradient and never come back',
  saturated: 'Share of the hidden activations at the training points within 1% of an asymptote of sigmoid/tanh, '
    + 'where the slope g′ is nearly 0; one figure a hidden layer',
  distinct: 'Units of each hidden layer that differ from one another (equal weights and bias count once)',
  layerGrads: 'The first layer’s gradient norm as a share of the output layer’s (means over the last 10 epochs): '
    + 'tiny means the gradient vanished on its way back',
};

export function createTable(table) {
  table.classList.add('cmp-table');
  const targetHead = h('span', { class: 'cmp-th-note' });
  const body = h('tbody');
  const thead = h('thead');
  table.replaceChildren(h('caption', { class: 'sr-only', text: 'Each variant’s metrics, updated live' }), thead, body);
  let columns = COLUMNS;
  let rows = [];

  /** The lesson's quantities (preset `shows`): their columns are added and kept. */
  function setKeys(shows = []) {
    const keys = new Set(shows.map((k) => QUANTITY_COLUMNS[k]).filter(Boolean));
    columns = [...COLUMNS, ...EXTRA.filter(([key]) => keys.has(key))].map(([key, text]) => [key, text, keys.has(key)]);
    thead.replaceChildren(h('tr', {}, h('th', { scope: 'col', text: 'Variant' }),
      columns.map(([key, text, isKey]) => h('th', { scope: 'col', class: `c-${key}${isKey ? ' c-key' : ''}`,
        title: TITLES[key] ?? null }, text,
      key === 'target' ? targetHead : NOTES[key] ? h('span', { class: 'cmp-th-note', text: NOTES[key] }) : null))));
  }
  setKeys();

  return {
    setKeys,
    setVariants(labels) {
      rows = labels.map((label, i) => {
        const cells = Object.fromEntries(columns.map(([key, , isKey]) => [key, h('td', { class: `c-${key}${isKey ? ' c-key' : ''}` })]));
        const tr = h('tr', {}, h('th', { scope: 'row' }, h('span', { class: 'cmp-variant' }, swatch(i), h('span', { text: label }))),
          columns.map(([key]) => cells[key]));
        return { tr, cells, last: {} };
      });
      body.replaceChildren(...rows.map((r) => r.tr));
    },
    setTarget(t) { targetHead.textContent = `(cost ≤ ${fmtCost(t)})`; },
    /** variants: the REST answer's or a frame's, in order (a REST answer has no units: those cells wait). */
    update(variants) {
      variants.forEach((v, i) => {
        const r = rows[i];
        if (!r) return;
        const row = { ...tableRow(v), ...(v.units ? unitCells(v) : {}) };
        for (const [key] of columns) {
          if (row[key] !== undefined && r.last[key] !== row[key]) { r.cells[key].textContent = row[key]; r.last[key] = row[key]; }
        }
        r.tr.classList.toggle('is-diverged', row.isDiverged);
        r.cells.target.classList.toggle('reached', row.reached);
      });
    },
  };
}
