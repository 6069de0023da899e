// controls/classroom.js — for a teacher, inside the Share menu: the embed code of this experiment (an
// <iframe> snippet), a snapshot for slide tools that cannot frame pages (a PNG of the boundary with
// the link beside it) and "share live" (a follow link students watch read-only); each opens in place.
// `buildWatching` is the "N watching" pill that stays in the bar.

import { DEFAULT_CONTROLS, EMBED_CONTROLS, embedSnippet } from "../links.js";
import { button, checkbox, copyText, errorSlot, field, flash, h, select, showError } from "./dom.js";
import { expander } from "./popover.js";
import { composeSnapshot } from "./snapshot.js";

const SIZES = [[800, 500], [640, 480], [960, 540], [1280, 720], [600, 600]];
const CONTROL_LABELS = { play: "play/pause", step: "step", reset: "reset", lr: "learning rate" };

/** ctx.actions: embedUrl(options), followUrl(), pageUrl(), boundaryImage(size), lesson() → {name, title} | null. */
export function buildClassroom(root, { live, actions }) {
  const embedBtn = h("button", { type: "button", class: "btn", text: "Embed…",
    attrs: { title: "An <iframe> snippet for slides, notebooks and course pages" } });
  const snapBtn = h("button", { type: "button", class: "btn", text: "Snapshot…",
    attrs: { title: "A picture of the boundary with the link, for slide tools that cannot embed pages" } });
  const liveBtn = h("button", { type: "button", class: "btn", text: "Share live…",
    attrs: { title: "A link students open to watch this session live, read only" } });
  const embedPanel = h("div", { class: "share-sub", attrs: { role: "group", "aria-label": "Embed code" } });
  const snapPanel = h("div", { class: "share-sub", attrs: { role: "group", "aria-label": "Snapshot" } });
  const livePanel = h("div", { class: "share-sub", attrs: { role: "group", "aria-label": "Share live" } });
  root.append(h("div", { class: "pop-row", attrs: { role: "group", "aria-label": "Classroom" } }, embedBtn, snapBtn, liveBtn),
    embedPanel, snapPanel, livePanel, errorSlot(["snapshot", "live"]));

  const group = [];
  buildEmbedPanel(embedPanel, embedBtn, actions, group);
  buildSnapshotPanel(snapPanel, snapBtn, { live, actions }, group);
  buildLivePanel(livePanel, liveBtn, { live, actions }, group);
}

/** "N watching": how many other pages follow this session live (hidden when none). */
export function buildWatching(root, { live }) {
  const watching = h("span", { class: "watching", hidden: true, attrs: { role: "status" } });
  root.append(watching);
  live.subscribe((l, prev) => {
    if (l.viewers === prev.viewers) return;
    const others = Math.max(0, (l.viewers ?? 0) - 1);  // this page's own stream is one of them
    watching.hidden = others === 0;
    watching.textContent = `${others} watching`;
    watching.title = `${others} other ${others === 1 ? "page is" : "pages are"} following this session live`;
  });
}

function buildEmbedPanel(panel, opener, actions, group) {
  const opts = { controls: [...DEFAULT_CONTROLS], autoplay: true, theme: null, curve: false, caption: false, keys: true };
  const box = (label, key, { invert = false, title } = {}) => {
    const c = checkbox(label, { title, onChange: (v) => { opts[key] = invert ? !v : v; render(); } });
    c.input.checked = invert ? !opts[key] : !!opts[key];
    return c;
  };
  const controlBoxes = EMBED_CONTROLS.map((name) => {
    const c = checkbox(CONTROL_LABELS[name], { onChange: (v) => {
      opts.controls = EMBED_CONTROLS.filter((x) => (x === name ? v : opts.controls.includes(x)));
      render();
    } });
    c.input.checked = opts.controls.includes(name);
    return c.el;
  });
  const caption = box("lesson caption", "caption");
  const size = select(SIZES.map(([w, hh]) => ({ value: `${w}x${hh}`, label: `${w} × ${hh}` })),
    { label: "Frame size in pixels", onChange: render });
  const code = h("textarea", { class: "code", readOnly: true, rows: 5, attrs: { "aria-label": "Embed code (HTML)", spellcheck: "false" } });
  const copy = button("Copy embed code", { cls: "btn primary", onClick: async () => {
    if (await copyText(code.value, code)) flash(copy, "Copied ✓");
  } });
  const preview = h("a", { class: "btn", text: "Open the embed ↗", attrs: { target: "_blank", rel: "noopener" } });
  panel.append(
    h("p", { class: "pop-title", text: "Embed this experiment" }),
    h("div", { class: "pop-row", attrs: { role: "group", "aria-label": "Buttons in the frame" } },
      h("span", { class: "label-like", text: "Buttons:" }), ...controlBoxes),
    h("div", { class: "pop-row", attrs: { role: "group", "aria-label": "Options" } },
      box("start playing", "autoplay").el, box("projector theme", "theme").el, box("loss curve", "curve").el, caption.el,
      box("keyboard shortcuts", "keys", { title: "Off: space, → and r stay with the slide deck" }).el),
    h("div", { class: "pop-row" }, field("Size", size)),
    code, h("div", { class: "pop-row" }, copy, preview),
    h("p", { class: "hint", text: "Paste it into reveal.js, a Jupyter notebook (IPython.display.IFrame) or a course page." }),
  );
  function render() {
    const [w, hh] = size.value.split("x").map(Number);
    const lesson = actions.lesson();
    caption.el.hidden = !lesson;
    const src = actions.embedUrl({ ...opts, theme: opts.theme ? "projector" : null, caption: !!lesson && opts.caption });
    code.value = embedSnippet({ src, width: w, height: hh, title: lesson ? `NN Playground — ${lesson.title}` : "NN Playground" });
    preview.href = src;
  }
  expander(opener, panel, { group, onOpen: render });
}

function buildSnapshotPanel(panel, opener, { live, actions }, group) {
  const img = h("img", { class: "snap-preview", alt: "" });
  const download = h("a", { class: "btn primary", text: "Download PNG" });
  const link = h("input", { type: "text", readOnly: true, class: "link-field", attrs: { "aria-label": "Link to this experiment" } });
  const copy = button("Copy link", { cls: "btn", onClick: async () => { if (await copyText(link.value, link)) flash(copy, "Copied ✓"); } });
  const status = h("p", { class: "hint", attrs: { role: "status" } });
  panel.append(h("p", { class: "pop-title", text: "Snapshot for slides" }),
    h("div", { class: "snap" }, img, h("div", { class: "snap-side" },
      h("p", { class: "hint", text: "The picture carries the link; paste the link beside it on your slide." }),
      field("Link", link), h("div", { class: "pop-row" }, download, copy), status)));
  expander(opener, panel, { group, focusFirst: false, onOpen: async () => {
    status.textContent = "Drawing…";
    download.removeAttribute("href");
    try {
      const url = actions.pageUrl();
      const l = live.get();
      const lesson = actions.lesson();
      const png = await composeSnapshot(await actions.boundaryImage(800), {
        title: lesson?.title ?? "NN Playground", link: url, epoch: l.epoch, metrics: l.metrics });
      img.src = png;
      img.alt = `Decision boundary at epoch ${l.epoch}, with the link to the experiment`;
      download.href = png;
      download.download = `nn-playground-epoch-${l.epoch}.png`;
      link.value = url;
      status.textContent = "";
      download.focus();
    } catch (err) {
      status.textContent = "";
      showError("snapshot", `The snapshot failed: ${err.message ?? err}`);
    }
  } });
}

function buildLivePanel(panel, opener, { live, actions }, group) {
  const link = h("input", { type: "text", readOnly: true, class: "link-field", attrs: { "aria-label": "Follow link for students" } });
  const copy = button("Copy follow link", { cls: "btn primary", onClick: async () => {
    if (await copyText(link.value, link)) flash(copy, "Copied ✓");
  } });
  const changed = h("p", { class: "note", hidden: true, attrs: { role: "status" },
    text: "The experiment was started again as a new session: this is its new follow link; the old one has ended." });
  panel.append(h("p", { class: "pop-title", text: "Share this session live" }),
    h("p", { class: "hint", text: "Students who open the link watch this session as it trains, read only, and can "
      + "“make it mine” to get their own copy. It works while this page stays open; changing the data or the "
      + "network starts a new session (a new link)." }),
    field("Follow link", link), h("div", { class: "pop-row" }, copy), changed);
  const render = () => {
    const url = actions.followUrl();
    link.value = url ?? "";
    copy.disabled = !url;
  };
  expander(opener, panel, { group, onOpen: () => { changed.hidden = true; render(); } });
  live.subscribe((l, prev) => {
    if (l.id === prev.id || panel.hidden) return;
    render();
    changed.hidden = !l.id;
  });
}
