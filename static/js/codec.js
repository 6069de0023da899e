// codec.js — compact binary fields of the URL: custom points and weights as base64url.
// DOM-free: `node --test tests/js/` runs it (through state.js, which re-exports it).

export function bytesToB64url(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function b64urlToBytes(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  const bin = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

const onGrid = (x) => Math.round(x * 100) / 100 === x && Math.abs(x) <= 327;

/**
 * Custom points: "q" + 5 bytes a point (x1·100, x2·100 as int16, label as uint8) when every point
 * lies on the 0.01 grid (drawn points do) and labels are classes; otherwise "f" + float64 triples.
 */
export function encodePoints(points, labels) {
  const compact = labels.every((y) => Number.isInteger(y) && y >= 0 && y < 256) && points.every(([a, b]) => onGrid(a) && onGrid(b));
  if (compact) {
    const view = new DataView(new ArrayBuffer(points.length * 5));
    points.forEach(([a, b], i) => {
      view.setInt16(i * 5, Math.round(a * 100), true);
      view.setInt16(i * 5 + 2, Math.round(b * 100), true);
      view.setUint8(i * 5 + 4, labels[i]);
    });
    return "q" + bytesToB64url(new Uint8Array(view.buffer));
  }
  const view = new DataView(new ArrayBuffer(points.length * 24));
  points.forEach(([a, b], i) => {
    view.setFloat64(i * 24, a, true); view.setFloat64(i * 24 + 8, b, true); view.setFloat64(i * 24 + 16, labels[i], true);
  });
  return "f" + bytesToB64url(new Uint8Array(view.buffer));
}

/** Inverse of encodePoints; throws on malformed text. */
export function decodePoints(text) {
  const bytes = b64urlToBytes(text.slice(1));
  const view = new DataView(bytes.buffer);
  const points = [], labels = [];
  if (text[0] === "q" && bytes.length % 5 === 0) {
    for (let o = 0; o < bytes.length; o += 5) {
      points.push([view.getInt16(o, true) / 100, view.getInt16(o + 2, true) / 100]);
      labels.push(view.getUint8(o + 4));
    }
  } else if (text[0] === "f" && bytes.length % 24 === 0) {
    for (let o = 0; o < bytes.length; o += 24) {
      points.push([view.getFloat64(o, true), view.getFloat64(o + 8, true)]);
      labels.push(view.getFloat64(o + 16, true));
    }
  } else throw new Error("bad points");
  if (!points.every(([a, b]) => Number.isFinite(a) && Number.isFinite(b)) || !labels.every(Number.isFinite)) {
    throw new Error("non-finite point");
  }
  return { points, labels };
}

/** Own points' parts as a bit each (1: a test point), eight to a byte: 2000 points in 334 characters. */
export function encodeSplit(split) {
  const bytes = new Uint8Array(Math.ceil(split.length / 8));
  split.forEach((part, i) => { if (part === "test") bytes[i >> 3] |= 1 << (i & 7); });
  return bytesToB64url(bytes);
}

/** Inverse of encodeSplit for `n` points; throws when the text cannot hold them. */
export function decodeSplit(text, n) {
  const bytes = b64urlToBytes(text);
  if (bytes.length !== Math.ceil(n / 8)) throw new Error("bad split");
  return Array.from({ length: n }, (_, i) => ((bytes[i >> 3] >> (i & 7)) & 1 ? "test" : "train"));
}

/** Weights [{W, b}] as float32 (the engine's precision): a uint16 count and (rows, cols) per layer, then
 *  each layer's W row by row and b. `roundWeights` makes a state's weights exactly what this stores. */
export function encodeWeights(layers) {
  const head = 2 + layers.length * 4;
  const count = layers.reduce((n, l) => n + l.b.length * ((l.W[0]?.length ?? 0) + 1), 0);
  const view = new DataView(new ArrayBuffer(head + count * 4));
  view.setUint16(0, layers.length, true);
  let o = head;
  layers.forEach(({ W, b }, i) => {
    view.setUint16(2 + i * 4, b.length, true);
    view.setUint16(4 + i * 4, W[0]?.length ?? 0, true);
    for (const row of W) for (const w of row) { view.setFloat32(o, w, true); o += 4; }
    for (const v of b) { view.setFloat32(o, v, true); o += 4; }
  });
  return bytesToB64url(new Uint8Array(view.buffer));
}

export function decodeWeights(text) {
  const bytes = b64urlToBytes(text);
  const view = new DataView(bytes.buffer);
  const n = view.getUint16(0, true);
  let o = 2 + n * 4;
  const layers = [];
  for (let i = 0; i < n; i++) {
    const rows = view.getUint16(2 + i * 4, true), cols = view.getUint16(4 + i * 4, true);
    const next = () => { const v = view.getFloat32(o, true); o += 4; return v; };
    const W = Array.from({ length: rows }, () => Array.from({ length: cols }, next));
    layers.push({ W, b: Array.from({ length: rows }, next) });
  }
  if (o !== bytes.length || n === 0) throw new Error("bad weights");
  if (!layers.every((l) => l.b.every(Number.isFinite) && l.W.every((r) => r.every(Number.isFinite)))) {
    throw new Error("non-finite weight");
  }
  return layers;
}

export function roundWeights(layers) {
  return layers.map(({ W, b }) => ({ W: W.map((r) => r.map(Math.fround)), b: b.map(Math.fround) }));
}
