// pageLayout.js — the playground's columns keep the height the bars above them leave, whatever else
// shows up there: a lesson caption pushes the columns down (the page scrolls) instead of shrinking
// the output plot under the student's cursor. The bars' height is measured (they wrap on narrow
// screens, a theme changes them) into --bars-h, which app.css subtracts from the viewport.

/** Keep --bars-h on <html> equal to the summed height of the visible `bars`. */
export function holdColumns(bars) {
  const root = document.documentElement;
  const measure = () => {
    const height = bars.reduce((sum, el) => sum + (el && el.offsetParent !== null ? el.offsetHeight : 0), 0);
    root.style.setProperty("--bars-h", `${height}px`);
  };
  const watch = new ResizeObserver(measure);
  for (const el of bars) if (el) watch.observe(el);
  measure();
}
