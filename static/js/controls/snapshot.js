// controls/snapshot.js — a picture for slide tools that cannot embed pages: the boundary (a PNG from
// Plotly) with a band under it holding the title, the epoch and numbers, and the link.

const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif';
const LINK_FONT = "15px ui-monospace, Menlo, Consolas, monospace";

/** Splits `text` into at most `maxLines` lines narrower than `width` (a link breaks anywhere). */
function wrap(ctx, text, width, maxLines) {
  const lines = [];
  let line = "";
  for (const ch of text) {
    if (ctx.measureText(line + ch).width > width) {
      lines.push(line);
      line = "";
      if (lines.length === maxLines) break;
    }
    line += ch;
  }
  if (lines.length < maxLines) lines.push(line);
  else lines[maxLines - 1] = `${lines[maxLines - 1].slice(0, -1)}…`;
  return lines;
}

/** A PNG data URL: the boundary image `src` (a data URL) with title, numbers and link under it. */
export async function composeSnapshot(src, { title, link, epoch, metrics }) {
  const img = new Image();
  img.src = src;
  await img.decode();
  const w = img.naturalWidth, pad = 24;
  const canvas = document.createElement("canvas");
  const ctx = canvas.getContext("2d");
  ctx.font = LINK_FONT;
  const linkLines = wrap(ctx, link, w - 2 * pad, 2);
  canvas.width = w;
  canvas.height = img.naturalHeight + 76 + 20 * linkLines.length;
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.drawImage(img, 0, 0);
  let y = img.naturalHeight + 8;
  ctx.fillStyle = "#1f2328";
  ctx.textBaseline = "top";
  ctx.font = `600 22px ${FONT}`;
  ctx.fillText(wrap(ctx, title, w - 2 * pad, 1)[0], pad, y);
  y += 32;
  const m = metrics ?? {};
  const pct = (v) => (Number.isFinite(v) ? `${(v * 100).toFixed(1)}%` : null);
  const num = (v) => (Number.isFinite(v) ? String(Number(v.toPrecision(3))) : "—");
  const parts = [`epoch ${epoch ?? 0}`, `train cost ${num(m.train?.cost)}`, `test cost ${num(m.test?.cost)}`];
  if (pct(m.test?.accuracy)) parts.push(`test accuracy ${pct(m.test.accuracy)}`);
  ctx.font = `17px ${FONT}`;
  ctx.fillStyle = "#3d434a";
  ctx.fillText(parts.join(" · "), pad, y);
  y += 28;
  ctx.font = LINK_FONT;
  ctx.fillStyle = "#1a5fb4";
  for (const line of linkLines) { ctx.fillText(line, pad, y); y += 20; }
  return canvas.toDataURL("image/png");
}
