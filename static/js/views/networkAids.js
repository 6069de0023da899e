// networkAids.js — the network diagram's reading aids: the legend (what its colours and line widths
// mean, and that it can be explored) and the value card of the link under the pointer or the keyboard.
// Colours come from the page's CSS variables (--class0 negative, --class1 positive), as the diagram's.

const SVG = 'http://www.w3.org/2000/svg';

function h(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  node.append(...children);
  return node;
}

/** Line widths of the legend: network.js draws a link |w| wide as min(0.5 + 1.6·|w|, 7) px. */
const WIDTHS = [0.25, 1, 3];
export const linkWidth = (w) => Math.min(0.5 + 1.6 * Math.abs(w), 7);

/** One row under the diagram: the colour ramp (orange negative, blue positive, for the maps and the
 *  links alike), three line widths for |w|, and how to explore. */
export function networkLegend() {
  const ramp = h('span', 'nnp-legend-ramp');
  ramp.setAttribute('aria-hidden', 'true');
  const colours = h('span', 'nnp-legend-item', ramp,
    h('span', '', h('span', 'nnp-legend-neg', 'orange'), ' < 0 < ', h('span', 'nnp-legend-pos', 'blue')));
  colours.title = 'A unit\'s map and a link share one scale: orange is negative, blue positive, pale near 0';
  const lines = document.createElementNS(SVG, 'svg');
  lines.setAttribute('class', 'nnp-legend-lines');
  lines.setAttribute('viewBox', '0 0 54 14');
  lines.setAttribute('aria-hidden', 'true');
  WIDTHS.forEach((w, i) => {
    const line = document.createElementNS(SVG, 'line');
    for (const [k, v] of Object.entries({ x1: 2 + i * 18, x2: 14 + i * 18, y1: 7, y2: 7 })) line.setAttribute(k, String(v));
    line.setAttribute('stroke-width', linkWidth(w).toFixed(1));
    lines.append(line);
  });
  const widths = h('span', 'nnp-legend-item', lines, `width |w| ${WIDTHS.join(' · ')}`);
  widths.title = 'A link is as wide as its weight is large; the square at a unit is its bias b';
  const hint = h('span', 'nnp-legend-hint', 'Hover, tap or Tab to a unit: its map fills the output plot');
  const legend = h('div', 'nnp-net-legend', h('span', 'nnp-legend-label', 'Colour: value'), colours, widths, hint);
  legend.setAttribute('role', 'note');
  legend.setAttribute('aria-label', 'Legend: orange negative, blue positive; line width is the size of the weight. '
    + 'Hover or focus a unit to show its map in the output plot, a link to read its value.');
  return legend;
}

/** The card that shows a link's value next to it: show(item, {value, what}, x, y, hint), hide(), item. */
export function createValueCard(host) {
  const value = h('strong', 'nnp-card-value');
  const what = h('span', 'nnp-card-what');
  const hint = h('span', 'nnp-card-hint');
  const card = h('div', 'nnp-link-card', value, what, hint);
  card.hidden = true;
  card.setAttribute('aria-hidden', 'true');  // the link's own aria-label carries the same words
  host.append(card);
  let item = null;
  return {
    get item() { return item; },
    show(it, text, x, y, hintText = '') {
      item = it;
      value.textContent = text.value;
      what.textContent = text.what;
      hint.textContent = hintText;
      hint.hidden = !hintText;
      card.hidden = false;
      // beside the point, inside the diagram: flipped to the left or above near the edges
      const w = card.offsetWidth, hh = card.offsetHeight;
      const left = x + 14 + w > host.clientWidth ? x - 14 - w : x + 14;
      const top = y + 14 + hh > host.clientHeight ? y - 14 - hh : y + 14;
      card.style.left = `${Math.max(0, left)}px`;
      card.style.top = `${Math.max(0, top)}px`;
    },
    hide() { item = null; card.hidden = true; },
  };
}
