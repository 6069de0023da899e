// compare/form.js — what to compare: the field, its 2–6 values (check boxes for names, text for the
// rest, in the URL's syntax), the target cost; and the base it varies, with a link to edit it.
// The fields, their labels, hints and the names offered are the catalog's `vary_fields` (the server's).
import { toQuery, defaultState } from '../state.js';
import { themed } from '../links.js';
import { h } from './dom.js';
import {
  defaultValues, describeBase, formatValues, MAX_VALUES, MIN_VALUES, parseValues, varyField, varyFields,
} from './query.js';

/** The form in `root`; `onChange({field, values, target})` runs with valid settings only. */
export function createForm(root, { catalog, onChange }) {
  let c = null;
  let builtFor = null;  // the field the values controls are for
  let shown = '';  // field and values the controls show (built, or chosen by the user)
  const key = (field, values, base) => JSON.stringify([field, values, base.layers]);
  const id = (s) => `cmp-${s}`;
  const fieldSelect = h('select', { id: id('field'), onchange: () => {
    const field = fieldSelect.value;
    const values = defaultValues(field, c.base, catalog);
    submit({ field, values });
  } }, varyFields(catalog).map((f) => h('option', { value: f.name, text: f.label })));
  const valuesBox = h('div', { class: 'cmp-values', role: 'group', 'aria-labelledby': id('values-label') });
  const valuesLabel = h('span', { class: 'label-like', id: id('values-label'), text: 'Values (2–6)' });
  const targetInput = h('input', { type: 'number', id: id('target'), class: 'num', min: '0', step: 'any',
    onchange: () => {
      const t = Number(targetInput.value);
      if (!(t > 0 && t <= 1000)) { showError('the target cost must be a number above 0'); return; }
      submit({ target: t });
    } });
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const baseText = h('span', { class: 'cmp-base-text' });
  const baseLink = h('a', { class: 'btn', href: './', text: 'Edit the base in the playground' });

  root.replaceChildren(
    h('div', { class: 'field' }, h('label', { for: id('field'), text: 'Vary' }), fieldSelect),
    h('div', { class: 'field cmp-values-field' }, valuesLabel, valuesBox),
    h('div', { class: 'field' }, h('label', { for: id('target'), text: 'Target train cost' }), targetInput),
    h('div', { class: 'cmp-base' }, h('span', { class: 'label-like', text: 'Base' }), baseText, baseLink),
    error,
  );

  function showError(text) {
    error.hidden = !text;
    error.textContent = text ?? '';
  }

  function submit(patch) {
    showError(null);
    if (patch.values) shown = key(patch.field ?? c.field, patch.values, c.base);
    onChange({ field: c.field, values: c.values, target: c.target, ...patch });
  }

  function checkboxes(field) {
    const list = catalog[varyField(catalog, field).registry] ?? [];
    let chosen = [...c.values];
    const boxes = list.map((e) => h('input', { type: 'checkbox', value: e.name, checked: chosen.includes(e.name) }));
    const limit = () => boxes.forEach((b) => { b.disabled = !b.checked && chosen.length >= MAX_VALUES; });
    boxes.forEach((b) => b.addEventListener('change', () => {
      chosen = b.checked ? [...chosen, b.value] : chosen.filter((v) => v !== b.value);
      limit();
      if (chosen.length < MIN_VALUES) { showError(`pick at least ${MIN_VALUES}`); return; }
      submit({ values: chosen });
    }));
    limit();
    return list.map((e, i) => h('label', { class: 'check', title: e.formula ?? e.label ?? null }, boxes[i],
      h('span', { text: e.label ?? e.name })));
  }

  function textInput(field) {
    const input = h('input', { type: 'text', class: 'cmp-values-text', spellcheck: 'false', autocomplete: 'off',
      'aria-describedby': id('values-hint'), value: formatValues(field, c.values, c.base, catalog) });
    const apply = () => {
      const r = parseValues(field, input.value, c.base, catalog);
      if (r.error) { showError(r.error); input.setAttribute('aria-invalid', 'true'); return; }
      input.removeAttribute('aria-invalid');
      submit({ values: r.values });
    };
    const fit = () => { input.style.width = `${Math.min(46, Math.max(18, input.value.length + 3))}ch`; };
    fit();
    input.addEventListener('input', fit);
    input.addEventListener('change', apply);
    input.addEventListener('keydown', (e) => { if (e.key === 'Enter') { e.preventDefault(); apply(); } });
    return [input, h('span', { class: 'hint', id: id('values-hint'), text: varyField(catalog, field)?.hint ?? '' })];
  }

  return {
    /** Show comparison `c` (after a change, or as read from the URL). */
    set(next) {
      const rebuild = key(next.field, next.values, next.base) !== shown || next.field !== builtFor;
      c = next;
      shown = key(c.field, c.values, c.base);
      fieldSelect.value = c.field;
      if (document.activeElement !== targetInput) targetInput.value = String(c.target);
      builtFor = c.field;
      const names = varyField(catalog, c.field)?.kind === 'name';  // a registry's names: one check box each
      if (rebuild) valuesBox.replaceChildren(...(names ? checkboxes(c.field) : textInput(c.field)));
      baseText.textContent = describeBase(c.base, c.field, catalog);
      const q = themed(toQuery(c.base, defaultState(catalog)), document.documentElement.dataset.theme);
      baseLink.href = q ? `./?${q}` : './';
    },
    showError,
  };
}
