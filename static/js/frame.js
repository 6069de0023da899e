// Decodes the stream's compact grids and frames (DOM-free: runs in the browser and in Node 20).
//
// A grid is {shape, lo, hi, levels, data}: data = base64(zlib-deflate(r)), where r is each uint8 q
// minus its left and upper neighbours plus the upper-left one, mod 256, map by map over the last two
// axes; value = lo + q·(hi − lo)/levels (app/training/encoding.py is the encoder).

function base64Bytes(text) {
  const bin = atob(text);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

async function inflate(bytes) {
  // writing straight into the stream is ~20× faster in Chromium than Blob.stream().pipeThrough()
  const ds = new DecompressionStream('deflate');
  const writer = ds.writable.getWriter();
  const ignore = () => {};  // a corrupt input rejects the read below; don't report it twice
  writer.write(bytes).catch(ignore);
  writer.close().catch(ignore);
  return new Uint8Array(await new Response(ds.readable).arrayBuffer());
}

/** Plane-predictor residuals → bytes in place, map by map: running sums (mod 256) down the
 * columns, then along the rows. */
export function undoResiduals(bytes, rows, cols) {
  const plane = rows * cols;
  for (let start = 0; start < bytes.length; start += plane) {
    const end = start + plane;
    for (let i = start + cols; i < end; i++) bytes[i] = (bytes[i] + bytes[i - cols]) & 255;
    for (let row = start; row < end; row += cols) {
      for (let i = row + 1; i < row + cols; i++) bytes[i] = (bytes[i] + bytes[i - 1]) & 255;
    }
  }
  return bytes;
}

/** The grid's quantised bytes q (Uint8Array, row-major over `shape`). */
export async function decodeBytes(g) {
  const dims = g.shape.length;
  const cols = g.shape[dims - 1];
  const rows = dims >= 2 ? g.shape[dims - 2] : 1;
  const size = g.shape.reduce((a, b) => a * b, 1);
  const q = await inflate(base64Bytes(g.data));
  if (q.length !== size) throw new Error(`grid: expected ${size} bytes for [${g.shape}], got ${q.length}`);
  return undoResiduals(q, rows, cols);
}

/** A grid → {shape, lo, hi, values: Float32Array} (row-major; row i of a map is x2 = axis[i]). */
export async function decodeGrid(g) {
  const q = await decodeBytes(g);
  const { lo, hi, levels } = g;
  const values = new Float32Array(q.length);
  // one table of the ≤ 256 possible values; same arithmetic order as the Python decoder
  const table = new Float64Array(256);
  for (let k = 0; k < 256; k++) table[k] = lo + k * (hi - lo) / levels;
  for (let i = 0; i < q.length; i++) values[i] = table[q[i]];
  return { shape: g.shape.slice(), lo, hi, values };
}

// The server re-encodes the unit maps and the weights at most 10 times a second (app/api/frames.py),
// so at 60 frames a second most frames carry them unchanged: the same text decodes to the same
// object, once. Decoded grids are read only (views paint from them, never into them).
const RECENT_MAX = 64;  // grids remembered: a frame of the largest network has ~20
const recent = new Map();  // kind + grid text → promise of its decoded form, oldest first

const byObject = new WeakMap();  // grid object → promise of its decoded form (wholeFrames reuses the objects)

/** `decode(g)` once per distinct grid among the last RECENT_MAX: the same promise (and so the same
 *  decoded object) for a grid sent again unchanged, or the very grid object again (a stream's frames
 *  that left it out, made whole: no key to build from its text). */
export function decodeOnce(kind, g, decode) {
  let p = byObject.get(g);
  if (p) return p;
  const key = `${kind}|${g.lo}|${g.hi}|${g.levels}|${g.shape}|${g.data}`;
  p = recent.get(key);
  if (!p) {
    p = decode(g);
    recent.set(key, p);
    p.catch(() => recent.delete(key));  // a corrupt grid is not remembered
    if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value);
  }
  byObject.set(g, p);
  p.catch(() => byObject.delete(g));
  return p;
}

// A session's stream leaves a frame's slow parts out when it sent the same ones before (they change at
// most 10 times a second; app/api/frames.py): at 60 frames a second that is ~60 % of the bytes parsed.
export const SLOW_PARTS = ['neurons', 'weights', 'units'];

/** For one stream: `whole(frame)` puts back the slow parts the stream sent last into a frame that left
 *  them out (the same objects), so every frame handed on is whole — before any frame is dropped for a
 *  newer one. The first frame of a stream (and of every reconnection) is whole. */
export function wholeFrames() {
  let last = null;
  return (frame) => {
    if (SLOW_PARTS[0] in frame) last = Object.fromEntries(SLOW_PARTS.map((k) => [k, frame[k]]));
    else if (last) Object.assign(frame, last);
    return frame;
  };
}

async function decodeOutput(out) {
  if (!out) return null;
  if (out.kind === 'binary') return { kind: 'binary', p: await decodeGrid(out.p) };
  if (out.kind === 'multiclass') {
    const [argmax, confidence] = await Promise.all([decodeBytes(out.argmax), decodeGrid(out.confidence)]);
    // argmax is encoded with lo 0, hi 255, levels 255: the byte is the class id
    return { kind: 'multiclass', classes: out.classes, shape: out.argmax.shape.slice(), argmax, confidence };
  }
  return { kind: out.kind, value: await decodeGrid(out.value) };
}

async function decodeNeurons(layer) {
  const g = await decodeGrid(layer);
  const [units, res] = g.shape;
  return { units, res, lo: g.lo, hi: g.hi, values: g.values };
}

async function decodeWeights(layer) {
  const g = await decodeGrid(layer);
  const [rows, cols] = g.shape;  // [W | b]: bias last
  const W = new Float32Array(rows * (cols - 1));
  const b = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    W.set(g.values.subarray(r * cols, r * cols + cols - 1), r * (cols - 1));
    b[r] = g.values[r * cols + cols - 1];
  }
  return { rows, cols, lo: g.lo, hi: g.hi, W, b };
}

/** A stream frame with its grids decoded: output, neurons (per layer {units, res, values}),
 *  weights (per layer {rows, cols, W: Float32Array rows×(cols−1), b}); other fields as sent. A unit
 *  map or weight layer sent unchanged decodes to the very object of the frame before (decodeOnce). */
export async function decodeFrame(frame) {
  const [output, neurons, weights] = await Promise.all([
    decodeOutput(frame.output),
    Promise.all(((frame.neurons && frame.neurons.layers) || []).map((g) => decodeOnce('neurons', g, decodeNeurons))),
    Promise.all((frame.weights || []).map((g) => decodeOnce('weights', g, decodeWeights))),
  ]);
  return { ...frame, output, neurons, weights };
}
