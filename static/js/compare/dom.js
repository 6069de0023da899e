// compare/dom.js — small DOM helpers of the compare page: elements from data (never from HTML strings)
// and a variant's line sample (its colour and dash pattern, as in the cost chart).
import { scaledDash, variantStyle } from './model.js';

const SVG = 'http://www.w3.org/2000/svg';

/** document.createElement with attributes ({class, text, …}, `on*` functions as listeners) and children. */
export function h(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else if (k in e && typeof v !== 'string') e[k] = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return e;
}

/** The variant's line sample: a short stroke in its colour and dash (decorative: the label says which). */
export function swatch(i, { width = 30, height = 10 } = {}) {
  const { color, dasharray } = variantStyle(i);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'cmp-swatch');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('aria-hidden', 'true');
  const line = document.createElementNS(SVG, 'line');
  line.setAttribute('x1', '1');
  line.setAttribute('x2', String(width - 1));
  line.setAttribute('y1', String(height / 2));
  line.setAttribute('y2', String(height / 2));
  line.setAttribute('stroke', color);
  line.setAttribute('stroke-width', '2.5');
  if (dasharray) line.setAttribute('stroke-dasharray', scaledDash(dasharray, 2.5));
  svg.append(line);
  return svg;
}
