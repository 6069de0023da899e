// The decision boundary as a line: where the output grid crosses a level (ŷ = 0.5), by marching
// squares. A pale map hides where ŷ = 0.5 lies (logistic regression's straight boundary is a faint
// band from the back of a room); a dark line on it does not. DOM-free: `node --test tests/js/`.

/**
 * Segments where `values` (rows×cols, row i is x2 = axis[i], column j is x1 = axis[j], the axis from
 * −extent to extent) crosses `level`: {x, y} for a Plotly line trace, each segment's two ends then null.
 */
export function contourSegments(values, rows, cols, extent, level = 0.5) {
  const x = [];
  const y = [];
  if (!values || rows < 2 || cols < 2) return { x, y };
  const dx = (2 * extent) / (cols - 1);
  const dy = (2 * extent) / (rows - 1);
  const at = (i, j) => values[i * cols + j] - level;
  // where the edge from grid point a (value va) to b crosses the level, in data coordinates
  const cross = (ia, ja, va, ib, jb, vb) => {
    const t = va / (va - vb);
    return [-extent + (ja + t * (jb - ja)) * dx, -extent + (ia + t * (ib - ia)) * dy];
  };
  const segment = (p, q) => { x.push(p[0], q[0], null); y.push(p[1], q[1], null); };
  for (let i = 0; i + 1 < rows; i++) {
    for (let j = 0; j + 1 < cols; j++) {
      const a = at(i, j), b = at(i, j + 1), c = at(i + 1, j + 1), d = at(i + 1, j);  // counter-clockwise
      if (!(Number.isFinite(a) && Number.isFinite(b) && Number.isFinite(c) && Number.isFinite(d))) continue;
      const edges = [];  // crossings on the cell's four edges, in order round the cell
      if ((a > 0) !== (b > 0)) edges.push(cross(i, j, a, i, j + 1, b));
      if ((b > 0) !== (c > 0)) edges.push(cross(i, j + 1, b, i + 1, j + 1, c));
      if ((c > 0) !== (d > 0)) edges.push(cross(i + 1, j + 1, c, i + 1, j, d));
      if ((d > 0) !== (a > 0)) edges.push(cross(i + 1, j, d, i, j, a));
      if (edges.length === 2) segment(edges[0], edges[1]);
      else if (edges.length === 4) {  // a saddle: the centre's side decides which corners the lines cut off
        const centreAbove = (a + b + c + d) / 4 > 0;
        if (centreAbove === (a > 0)) { segment(edges[0], edges[1]); segment(edges[2], edges[3]); }
        else { segment(edges[3], edges[0]); segment(edges[1], edges[2]); }
      }
    }
  }
  return { x, y };
}

/** The line of a decoded frame output: binary maps only (ŷ = 0.5); null for other kinds. */
export function boundaryLine(out, extent) {
  if (!out || out.kind !== 'binary') return null;
  const [rows, cols] = out.p.shape;
  return contourSegments(out.p.values, rows, cols, extent, 0.5);
}
