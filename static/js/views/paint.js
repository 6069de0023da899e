// Decoded grids → RGBA pixels (DOM-free): the boundary image and the network's node thumbnails.
// Rows are flipped so pixel row 0 is the top of the map (x2 = +extent).
import { CLASS_COLORS, LIGHT, hexRgb } from '../plot.js';

/** 256 RGBA entries from `neg` (0) through light (128) to `pos` (255); `strength` < 1 keeps it pale. */
export function divergingLUT(neg = CLASS_COLORS[0], pos = CLASS_COLORS[1], strength = 1) {
  const [a, l, b] = [hexRgb(neg), hexRgb(LIGHT), hexRgb(pos)];
  const lut = new Uint8ClampedArray(256 * 4);
  for (let i = 0; i < 256; i++) {
    const t = (i - 127.5) / 127.5;
    const c = t < 0 ? a : b;
    const s = Math.abs(t) * strength;
    for (let ch = 0; ch < 3; ch++) lut[i * 4 + ch] = l[ch] + (c[ch] - l[ch]) * s;
    lut[i * 4 + 3] = 255;
  }
  return lut;
}

/** Per class: 256 RGBA entries from light (no confidence) to the class colour (certain). */
export function classLUTs(colors = CLASS_COLORS, strength = 1) {
  return colors.map((c) => {
    const [l, k] = [hexRgb(LIGHT), hexRgb(c)];
    const lut = new Uint8ClampedArray(256 * 4);
    for (let i = 0; i < 256; i++) {
      for (let ch = 0; ch < 3; ch++) lut[i * 4 + ch] = l[ch] + (k[ch] - l[ch]) * (i / 255) * strength;
      lut[i * 4 + 3] = 255;
    }
    return lut;
  });
}

/** values[offset + i·cols + j] → dst (rows×cols×4), colour = lut[(v − center)/scale in [−1, 1]];
 *  `hard`: only the sign (the "discretize" option). */
export function paintDiverging(dst, values, rows, cols, { center = 0, scale = 1, lut, hard = false, offset = 0 }) {
  const k = 127.5 / (scale > 0 ? scale : 1);
  for (let i = 0; i < rows; i++) {
    const src = offset + i * cols;
    let d = (rows - 1 - i) * cols * 4;
    for (let j = 0; j < cols; j++, d += 4) {
      const v = values[src + j] - center;
      let idx = hard ? (v > 0 ? 255 : v < 0 ? 0 : 128) : Math.round(127.5 + v * k);
      idx = idx < 0 ? 0 : idx > 255 ? 255 : idx;
      const l = idx * 4;
      dst[d] = lut[l]; dst[d + 1] = lut[l + 1]; dst[d + 2] = lut[l + 2]; dst[d + 3] = 255;
    }
  }
  return dst;
}

/** Multi-class map: each cell in its winning class's colour, faded by confidence (1/K → light, 1 → full).
 *  `only`: paint just that class (others light), for the output node of one class. */
export function paintClasses(dst, argmax, confidence, rows, cols, { classes, luts, hard = false, only = -1 }) {
  const floor = 1 / classes;
  const k = 255 / (1 - floor);
  for (let i = 0; i < rows; i++) {
    const src = i * cols;
    let d = (rows - 1 - i) * cols * 4;
    for (let j = 0; j < cols; j++, d += 4) {
      const c = argmax[src + j];
      const lut = luts[c % luts.length];
      let idx = hard ? 255 : Math.round((confidence[src + j] - floor) * k);
      if (only >= 0 && c !== only) idx = 0;
      idx = idx < 0 ? 0 : idx > 255 ? 255 : idx;
      const l = idx * 4;
      dst[d] = lut[l]; dst[d + 1] = lut[l + 1]; dst[d + 2] = lut[l + 2]; dst[d + 3] = 255;
    }
  }
  return dst;
}

/** The symmetric scale of a decoded grid: max |value| over its range (never 0). */
export const symmetricScale = (g) => Math.max(Math.abs(g.lo), Math.abs(g.hi)) || 1;

/** A decoded frame output → pixels, the same way for the boundary map and the output node.
 *  opts: {luts: {diverging, classes}, hard, scale (regression), only (multiclass class)} */
export function paintOutput(dst, out, opts) {
  if (out.kind === 'binary') {
    const [rows, cols] = out.p.shape;
    return paintDiverging(dst, out.p.values, rows, cols, { center: 0.5, scale: 0.5, lut: opts.luts.diverging,
                                                          hard: opts.hard });
  }
  if (out.kind === 'multiclass') {
    const [rows, cols] = out.confidence.shape;
    return paintClasses(dst, out.argmax, out.confidence.values, rows, cols,
                        { classes: out.classes, luts: opts.luts.classes, hard: opts.hard, only: opts.only ?? -1 });
  }
  const [rows, cols] = out.value.shape;
  return paintDiverging(dst, out.value.values, rows, cols, { center: 0, scale: opts.scale || symmetricScale(out.value),
                                                            lut: opts.luts.diverging, hard: opts.hard });
}

/** Side length of the output's map. */
export function outputSize(out) {
  const g = out.kind === 'binary' ? out.p : out.kind === 'multiclass' ? out.confidence : out.value;
  return g.shape[0];
}
