// No import circles among the front end's modules: a module that imports one that imports it back sees
// the other's bindings uninitialised while it loads, so one top-level use fails every page at load with a
// ReferenceError. This parses every static import/export … from "…" in static/js and fails naming the circle.
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../static/js");

function modules(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? modules(path) : e.name.endsWith(".js") ? [path] : [];
  });
}

/** Comments out (a "//" after a quote or a colon is a URL, not a comment), then every relative specifier
 *  of `import … from "x"`, `import "x"`, `export … from "x"` and `import("x")`. */
function specifiers(source) {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`\\])\/\/.*$/gm, "$1");
  const found = [];
  const forms = [/\b(?:import|export)\s+(?:[\w$*{}\s,]+?\s+from\s+)?["']([^"']+)["']/g, /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g];
  for (const form of forms) for (const m of code.matchAll(form)) found.push(m[1]);
  return found.filter((s) => s.startsWith("."));
}

function graph() {
  const g = new Map();
  for (const file of modules(ROOT)) {
    g.set(file, specifiers(readFileSync(file, "utf8")).map((s) => resolve(dirname(file), s.split("?")[0])));
  }
  return g;
}

/** The first circle found, as a list of modules (the first again at its end), or null. */
function findCycle(g) {
  const state = new Map();  // 1: on the current path, 2: done
  const path = [];
  function visit(node) {
    state.set(node, 1);
    path.push(node);
    for (const next of g.get(node) ?? []) {
      if (state.get(next) === 1) return [...path.slice(path.indexOf(next)), next];
      if (!state.has(next)) { const c = visit(next); if (c) return c; }
    }
    path.pop();
    state.set(node, 2);
    return null;
  }
  for (const node of [...g.keys()].sort()) if (!state.has(node)) { const c = visit(node); if (c) return c; }
  return null;
}

test("the parser finds every import form, and none in comments", () => {
  const src = `import { a } from "./a.js";\nimport {\n  b,\n  c as d,\n} from '../b.js';\nimport "./side.js";\n` +
    `export { e } from "./e.js";\nexport * from "./f.js";\nconst m = await import("./lazy.js");\n` +
    `// import { x } from "./commented.js";\n/* import y from "./block.js"; */\nconst url = "https://x.org/a.js";\n` +
    `import Plotly from "plotly";`;
  assert.deepEqual(specifiers(src).sort(), ["../b.js", "./a.js", "./e.js", "./f.js", "./lazy.js", "./side.js"]);
});

test("the circle finder names a circle", () => {
  const g = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]);
  assert.deepEqual(findCycle(g), ["a", "b", "c", "a"]);
  assert.equal(findCycle(new Map([["a", ["b"]], ["b", []]])), null);
});

test("static/js has no import circle", () => {
  const g = graph();
  assert.ok(g.size > 20, `found only ${g.size} modules under ${ROOT}`);
  for (const [file, deps] of g) {
    for (const d of deps) assert.ok(g.has(d), `${relative(ROOT, file)} imports ${relative(ROOT, d)}, which does not exist`);
  }
  const cycle = findCycle(g);
  assert.equal(cycle, null, `import circle: ${cycle?.map((f) => relative(ROOT, f)).join(" → ")}`);
});
