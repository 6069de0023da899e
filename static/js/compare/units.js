// compare/units.js — a variant's hidden units at a glance, under its map's lesson line: one row a
// hidden layer, one square a unit, a dead unit (output 0 at every training point) drawn hollow and
// crossed out in the danger colour. The compare page has no network diagram: this is its stand-in for
// the dead-relu lesson. One small canvas, repainted only when the units change.

const GAP = 2;

/** A canvas element with set(units) (a frame variant's `units`: per layer {units, dead: [indices]}). */
export function createUnitStrip({ label = '' } = {}) {
  const canvas = document.createElement('canvas');
  canvas.className = 'cmp-units';
  canvas.setAttribute('role', 'img');
  const ctx = canvas.getContext('2d');
  let key = '';

  function paint(units) {
    const css = getComputedStyle(canvas);
    const side = Math.max(5, parseFloat(css.getPropertyValue('--unit-size')) || 7);
    const on = css.getPropertyValue('--fg').trim() || '#1f2328';
    const dead = css.getPropertyValue('--danger').trim() || '#a4161a';
    const dpr = globalThis.devicePixelRatio || 1;
    const cols = Math.max(1, ...units.map((u) => u.units));
    const w = cols * (side + GAP), h = units.length * (side + GAP);
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(h * dpr);
    canvas.style.width = `${w}px`;
    canvas.style.height = `${h}px`;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    units.forEach((layer, l) => {
      const gone = new Set(layer.dead ?? []);
      for (let u = 0; u < layer.units; u++) {
        const x = u * (side + GAP) + 0.5, y = l * (side + GAP) + 0.5, s = side - 1;
        if (gone.has(u)) {
          ctx.strokeStyle = dead;
          ctx.lineWidth = 1.5;
          ctx.strokeRect(x, y, s, s);
          ctx.beginPath();
          ctx.moveTo(x, y); ctx.lineTo(x + s, y + s); ctx.moveTo(x + s, y); ctx.lineTo(x, y + s);
          ctx.stroke();
        } else {
          ctx.fillStyle = on;
          ctx.fillRect(x, y, s, s);
        }
      }
    });
    const counts = units.map((u, l) => `layer ${l + 1}: ${u.dead?.length ?? 0} of ${u.units} dead`).join('; ');
    canvas.setAttribute('aria-label', `${label ? `${label}, ` : ''}hidden units: ${counts}`);
  }

  return {
    el: canvas,
    set(units) {
      if (!Array.isArray(units)) return;
      const next = JSON.stringify(units.map((u) => [u.units, u.dead]));
      if (next === key) return;
      key = next;
      paint(units);
    },
  };
}
