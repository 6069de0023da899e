// compare/cards.js — one card per variant on the compare page: its boundary map, a link that opens it
// in the playground, the badge once it reached the target, the lesson's line under the map (and the
// dead-unit strip); the cards tile the space left to them.
import { quantityTexts } from '../quantities.js';
import { h, swatch } from './dom.js';
import { createMapView } from './maps.js';
import { fitGrid, tableRow } from './model.js';
import { createUnitStrip } from './units.js';

/**
 * box: the maps' grid element; extent: the maps' half-width; embed: in a frame (no links, maps shrink
 * instead of scrolling); shows: the lesson's quantities (preset `shows`); onResize: a map changed size
 * (redraw); onOpen(event, i): the "open" link of variant i was clicked.
 * Returns {build(variants, labels, hrefs), setLinks(hrefs), layout(), show(variants), setOutputs(outputs),
 * setPoints(points), draw(), link(i), count()}.
 */
export function createCards(box, { extent, embed = false, shows = [], onResize, onOpen }) {
  let cards = [];

  /** The maps' cards tile the space left to them: the largest squares that fit. A card's title and
   *  the line under its map wrap by the map's width, so they are measured again at the new size until
   *  the cards fit (in a small frame "train acc. 67.5%" takes two lines under a narrow map, one under a
   *  wide one). The page scrolls below 90 px a map; the embed never scrolls: its maps shrink instead. */
  function layout() {
    const n = cards.length;
    if (!n) return;
    const style = getComputedStyle(box);
    const gap = parseFloat(style.columnGap) || 8;
    let extra = -1;
    for (let i = 0; i < 4; i++) {
      const card = cards.reduce((a, k) => (k.el.offsetHeight > a.el.offsetHeight ? k : a));
      const head = card.head.offsetHeight || 24;
      const stat = card.stat ? card.stat.offsetHeight + 3 : 0;
      if (head + stat + 4 <= extra) break;
      extra = head + stat + 4;
      const fit = fitGrid(n, box.clientWidth, box.clientHeight, { gap, extra, min: embed ? 24 : 90 });
      const size = fit.size - 2;  // a map's 1px border on each side, outside --map-size (content-box)
      box.style.gridTemplateColumns = `repeat(${fit.cols}, ${size + 2}px)`;
      box.style.setProperty('--map-size', `${size}px`);
    }
  }
  new ResizeObserver(() => layout()).observe(box);

  /** A card per variant (a comparison's REST answer), `hrefs[i]` its playground link. */
  function build(variants, labels, hrefs) {
    cards = variants.map((v, i) => {
      const mapEl = h('div', { class: 'cmp-map-box' });
      const map = createMapView(mapEl, { extent, label: labels[i], onResize });
      const badge = h('span', { class: 'cmp-badge', hidden: true });
      mapEl.append(badge);
      // "open" alone where the card is narrow (compare.css): the variant's name comes first
      const link = embed ? null : h('a', { class: 'cmp-open', href: hrefs[i],
        'aria-label': `open ${labels[i]} as playground`, title: `Open ${labels[i]} in the playground, on its own` },
      'open', h('span', { class: 'cmp-open-more', text: ' as playground' }));
      link?.addEventListener('click', (e) => onOpen(e, i));
      const head = h('figcaption', { class: 'cmp-card-head' },
        h('span', { class: 'cmp-variant' }, swatch(i), h('span', { class: 'cmp-label', text: labels[i], title: labels[i] })), link);
      // the lesson's quantities of this variant, under its map (the table may be off a small frame)
      const statText = h('span', { class: 'cmp-stat-text' });
      const strip = shows.includes('dead_units') ? createUnitStrip({ label: labels[i] }) : null;
      const stat = shows.length ? h('div', { class: `cmp-stat${shows.length > 1 ? ' two-lines' : ''}` }, statText, strip?.el) : null;
      const el = h('figure', { class: 'cmp-card', 'data-variant': String(i) }, head, mapEl, stat);
      return { el, head, map, badge, link, stat, statText, strip, shown: '', diverged: null, reached: null };
    });
    box.replaceChildren(...cards.map((k) => k.el));
    box.dataset.count = String(cards.length);
    layout();
  }

  /** Map badges, divergence overlays and the lesson's line under each map, from a frame's variants or
   *  a REST answer's (a REST answer has no units: the lines wait for a frame). */
  function show(variants) {
    let restated = false;
    variants.forEach((v, i) => {
      const card = cards[i];
      if (!card) return;
      if (card.stat && v.units) {
        // the target's epoch has the map's badge once reached; a divergence has the map's overlay
        const keys = shows.filter((k) => k !== 'diverged' && !(k === 'target_epoch' && v.target_epoch !== null));
        const text = quantityTexts(keys, v).join(' · ');
        if (text !== card.shown) { card.shown = text; card.statText.textContent = text; restated = true; }
        card.strip?.set(v.units);
      }
      const row = tableRow(v);
      const diverged = row.isDiverged ? `diverged${v.diverged_at ? ` at epoch ${v.diverged_at.epoch}` : ''}` : null;
      if (diverged !== card.diverged) { card.diverged = diverged; card.map.setDiverged(diverged); }
      const reached = row.reached ? `target at epoch ${v.target_epoch}` : null;
      if (reached !== card.reached) {
        card.reached = reached;
        card.badge.hidden = !reached;
        // "✓ target at epoch 64"; on a small map (CSS container query) "✓ 64"
        card.badge.replaceChildren(...(reached ? ['✓ ', h('span', { class: 'cmp-badge-long', text: 'target at epoch ' }),
          String(v.target_epoch)] : []));
        card.badge.title = reached ?? '';
      }
    });
    // a line under a map took another line (or one less): the maps make room. One read of the
    // layout for all the cards, after every write.
    if (restated) {
      let changed = false;
      for (const k of cards) {
        const height = k.stat?.offsetHeight ?? 0;
        if (height !== k.statHeight) { k.statHeight = height; changed = true; }
      }
      if (changed) layout();
    }
  }

  return {
    build,
    layout,
    show,
    /** The links follow the page's view settings (`hrefs[i]`: variant i's). */
    setLinks(hrefs) { cards.forEach((k, i) => { if (k.link) k.link.href = hrefs[i]; }); },
    setOutputs(outputs) { outputs.forEach((o, i) => cards[i]?.map.setOutput(o)); },
    setPoints(points) { for (const k of cards) k.map.setPoints(points); },
    /** Every map that changed, in the page's drawing callback. */
    draw() { for (const k of cards) k.map.draw(); },
    link: (i) => cards[i]?.link ?? null,
    count: () => cards.length,
  };
}
