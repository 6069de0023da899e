// The decision boundary as a line: where the output grid crosses a level (ŷ = 0.5), by marching
// squares. A pale map hides where ŷ = 0.5 lies (logistic regression's straight boundary is a faint
// band from the back of a room); a dark line on it does not. DOM-free: `node --test tests/js/`.

// Scratch arrays of contourLines, kept between calls: a frame's line is drawn up to 60 times a second,
// and ~20,000 edges a 100×100 map would otherwise be four new arrays a frame for the collector.
let scratch = { edges: 0 };
function scratchFor(edges) {
  if (scratch.edges < edges) {
    scratch = { edges, x: new Float64Array(edges), y: new Float64Array(edges),
                next: new Int32Array(edges), prev: new Int32Array(edges) };
  }
  return scratch;
}

/**
 * Where `values` (rows×cols, row i is x2 = axis[i], column j is x1 = axis[j], the axis from −extent
 * to extent) crosses `level`, by marching squares, the crossings joined into polylines: a line is one
 * stroke with its joins (separate segments drew a notch at every joint, and ~2× the points), and
 * fewer, longer subpaths are cheaper for whoever draws them. Returns [[x0, y0, x1, y1, …], …] in data coordinates; a closed
 * line ends where it starts. A crossing is named by its grid edge — each edge belongs to at most two
 * cells, so at most two segments meet at a crossing and chaining them is a walk along `next`/`prev`.
 */
export function contourLines(values, rows, cols, extent, level = 0.5) {
  const lines = [];
  if (!values || rows < 2 || cols < 2) return lines;
  const across = rows * (cols - 1);  // edges along the rows: (i, j)–(i, j+1); then (i, j)–(i+1, j)
  const total = across + (rows - 1) * cols;
  const { x, y, next, prev } = scratchFor(total);
  next.fill(-1, 0, total);
  prev.fill(-1, 0, total);
  const dx = (2 * extent) / (cols - 1);
  const dy = (2 * extent) / (rows - 1);
  const at = (i, j) => values[i * cols + j] - level;
  const rowEdge = (i, j, va, vb) => {  // (i, j)–(i, j+1)
    const e = i * (cols - 1) + j;
    x[e] = -extent + (j + va / (va - vb)) * dx;
    y[e] = -extent + i * dy;
    return e;
  };
  const colEdge = (i, j, va, vb) => {  // (i, j)–(i+1, j)
    const e = across + i * cols + j;
    x[e] = -extent + j * dx;
    y[e] = -extent + (i + va / (va - vb)) * dy;
    return e;
  };
  // Each segment runs with the side above the level on its left: from the crossing where a walk
  // round the cell (counter-clockwise) leaves that side to the one where it enters it again. The cell
  // next door walks their shared edge the other way round, so one's end is the other's start and the
  // segments chain head to tail.
  const link = (p, q) => { next[p] = q; prev[q] = p; };
  const edges = [0, 0, 0, 0];
  const leaves = [false, false, false, false];
  const pair = (u, v) => (leaves[u] ? link(edges[u], edges[v]) : link(edges[v], edges[u]));
  for (let i = 0; i + 1 < rows; i++) {
    for (let j = 0; j + 1 < cols; j++) {
      const a = at(i, j), b = at(i, j + 1), c = at(i + 1, j + 1), d = at(i + 1, j);  // counter-clockwise
      if (!(Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c) && Number.isFinite(d))) continue;
      const pa = a > 0, pb = b > 0, pc = c > 0, pd = d > 0;
      if (pa === pb && pb === pc && pc === pd) continue;
      let n = 0;  // crossings on the cell's four edges, in order round the cell
      if (pa !== pb) { leaves[n] = pa; edges[n++] = rowEdge(i, j, a, b); }
      if (pb !== pc) { leaves[n] = pb; edges[n++] = colEdge(i, j + 1, b, c); }
      if (pc !== pd) { leaves[n] = pc; edges[n++] = rowEdge(i + 1, j, d, c); }
      if (pd !== pa) { leaves[n] = pd; edges[n++] = colEdge(i, j, a, d); }
      if (n === 2) pair(0, 1);
      else if ((a + b + c + d) / 4 > 0 === pa) { pair(0, 1); pair(2, 3); }  // a saddle: the centre's side
      else { pair(3, 0); pair(1, 2); }  // decides which corners the lines cut off
    }
  }
  const walk = (start) => {
    const line = [];
    let k = start;
    do {
      line.push(x[k], y[k]);
      const on = next[k];
      next[k] = -2;  // walked
      k = on;
    } while (k >= 0 && next[k] !== -2);
    if (k === start) line.push(x[k], y[k]);  // a closed line ends where it starts
    lines.push(line);
  };
  for (let e = 0; e < total; e++) if (next[e] >= 0 && prev[e] < 0) walk(e);  // open lines: from their start
  for (let e = 0; e < total; e++) if (next[e] >= 0) walk(e);  // what is left is closed
  return lines;
}

/**
 * A polyline [x0, y0, x1, y1, …] with the points dropped that lie within `tolerance` of the line
 * through their neighbours kept (Ramer–Douglas–Peucker): every dropped point is within `tolerance`
 * of the result, and a 100-point stretch of a straight boundary becomes its two ends.
 */
export function simplify(line, tolerance) {
  const n = line.length / 2;
  if (n <= 2 || !(tolerance > 0)) return line;
  const keep = new Uint8Array(n);
  keep[0] = keep[n - 1] = 1;
  const stack = [0, n - 1];
  const t2 = tolerance * tolerance;
  while (stack.length) {
    const last = stack.pop(), first = stack.pop();
    const ax = line[2 * first], ay = line[2 * first + 1];
    const vx = line[2 * last] - ax, vy = line[2 * last + 1] - ay;
    const len2 = vx * vx + vy * vy;
    let far = -1, farD = t2;
    for (let k = first + 1; k < last; k++) {
      const px = line[2 * k] - ax, py = line[2 * k + 1] - ay;
      // squared distance to the segment (to its start if it is a point: a closed line's ends)
      const t = len2 > 0 ? Math.max(0, Math.min(1, (px * vx + py * vy) / len2)) : 0;
      const ex = px - t * vx, ey = py - t * vy;
      const d = ex * ex + ey * ey;
      if (d > farD) { farD = d; far = k; }
    }
    if (far >= 0) { keep[far] = 1; stack.push(first, far, far, last); }
  }
  const out = [];
  for (let k = 0; k < n; k++) if (keep[k]) out.push(line[2 * k], line[2 * k + 1]);
  return out;
}

/** A decoded grid's ({shape, values}) polylines at `level`, each simplified to `tolerance` (data units). */
export function levelLines(grid, extent, level, tolerance = 0) {
  const [rows, cols] = grid.shape;
  return contourLines(grid.values, rows, cols, extent, level).map((l) => simplify(l, tolerance));
}

/** The binary output's ŷ = 0.5 line as polylines (levelLines); null for other kinds. */
export function boundaryLines(out, extent, tolerance = 0) {
  if (!out || out.kind !== 'binary') return null;
  return levelLines(out.p, extent, 0.5, tolerance);
}
