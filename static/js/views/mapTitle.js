// mapTitle.js — the caption over the output plot while it shows a hidden unit's or a feature's map
// instead of the output (network hover, explore.js): its name, its formula in the course's notation,
// its range, and a button back to the output (for touch, where nothing "moves away"). An overlay: the
// plot keeps its size while the caption comes and goes.

/** createMapTitle(plotEl, {onBack}) → {show(info | null)}; info as explore.js's unitMap/featureMap. */
export function createMapTitle(el, { onBack = () => {} } = {}) {
  const name = document.createElement('strong');
  name.className = 'nnp-map-name';
  const formula = document.createElement('span');
  formula.className = 'nnp-map-formula';
  const note = document.createElement('span');
  note.className = 'nnp-map-note';
  const back = document.createElement('button');
  back.type = 'button';
  back.className = 'btn nnp-map-back';
  const cross = document.createElement('span');
  cross.setAttribute('aria-hidden', 'true');
  cross.textContent = '×';
  back.append(cross, ' Output');  // the visible word is in the accessible name (WCAG 2.5.3)
  back.title = 'Back to the output';
  back.setAttribute('aria-label', 'Back to the output in this plot');
  back.addEventListener('click', () => onBack());
  const box = document.createElement('div');
  box.className = 'nnp-map-title';
  box.hidden = true;
  const line = document.createElement('span');
  line.className = 'nnp-map-line';
  line.append(name, ' ', formula);
  box.append(line, note, back);
  el.append(box);
  const put = (node, text) => { if (node.textContent !== text) node.textContent = text; };
  return {
    show(info) {
      box.hidden = !info?.grid;
      if (box.hidden) return;
      put(name, `${info.title}:`);
      put(formula, info.formula);
      put(note, info.note);
    },
  };
}
