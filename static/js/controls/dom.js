// controls/dom.js — small DOM builders for labelled controls and per-control error messages.
// Text goes in through textContent only; no HTML strings anywhere.

import { SEED_MAX } from "../defaults.js";

let counter = 0;
export const uid = (prefix) => `${prefix}-${++counter}`;

/** h("button", {class, text, attrs: {...}, on: {click}}, ...children) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  const { class: cls, text, attrs, on, ...rest } = props;
  if (cls) el.className = cls;
  if (text !== undefined) el.textContent = text;
  for (const [k, v] of Object.entries(attrs ?? {})) if (v !== undefined && v !== null && v !== false) el.setAttribute(k, v === true ? "" : v);
  for (const [k, fn] of Object.entries(on ?? {})) el.addEventListener(k, fn);
  Object.assign(el, rest);
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

// Writes that leave the DOM alone when nothing changes. Every store change re-renders the panels that
// read the store, most of them with what they already show: a "Show test data" click wrote ~40 equal
// values (aria-pressed, hidden, text), and a text node put back, even the same text, is a layout. Equal
// writes skipped, a click's main-thread work fell by a fifth and its layout went (paused [8×6]).
/** `el.textContent = text`, unless it already is. */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}
/** `el.setAttribute(name, value)`, unless it already is. */
export function setAttr(el, name, value) {
  if (el.getAttribute(name) !== value) el.setAttribute(name, value);
}
/** `el.hidden = hidden`, unless it already is. */
export function setHidden(el, hidden) {
  if (el.hidden !== !!hidden) el.hidden = !!hidden;
}
/** `el.disabled = disabled`, unless it already is. */
export function setDisabled(el, disabled) {
  if (el.disabled !== !!disabled) el.disabled = !!disabled;
}
/** A form control's value, unless it already is it or the person is typing in it (`keepFocused`). */
export function setValue(el, value, { keepFocused = false } = {}) {
  const v = String(value);
  if (keepFocused && globalThis.document?.activeElement === el) return;
  if (el.value !== v) el.value = v;
}

/** A seed's number box: an integer in 0…SEED_MAX sets `key`; anything else puts back the store's value. */
export function seedInput(label, key, store, set) {
  const el = h("input", { type: "number", min: "0", max: String(SEED_MAX), step: "1", class: "num seed",
    attrs: { "aria-label": label } });
  el.addEventListener("change", () => {
    const v = Number(el.value);
    if (Number.isInteger(v) && v >= 0 && v <= SEED_MAX) set({ [key]: v });
    else el.value = String(store.get()[key]);
  });
  return el;
}

/** A label + control (+ optional output showing the value), wired with for/id. */
export function field(label, control, { output = null, hint = null, cls = "" } = {}) {
  control.id ||= uid("ctl");
  const lab = h("label", { attrs: { for: control.id }, text: label });
  const wrap = h("div", { class: `field ${cls}`.trim() }, lab, control);
  if (output) { output.setAttribute("for", control.id); lab.append(" ", output); }
  if (hint) { hint.id ||= uid("hint"); control.setAttribute("aria-describedby", hint.id); wrap.append(hint); }
  return wrap;
}

/** A <select> from [{value, label}]; values are strings in the DOM, `parse` maps them back. */
export function select(options, { label, onChange, parse = (v) => v } = {}) {
  const el = h("select", { attrs: { "aria-label": label } });
  setOptions(el, options);
  if (onChange) el.addEventListener("change", () => onChange(parse(el.value)));
  return el;
}

export function setOptions(sel, options) {
  const key = JSON.stringify(options);
  if (sel.dataset.options === key) return;
  sel.dataset.options = key;
  sel.replaceChildren(...options.map((o) => h("option", { value: String(o.value), text: o.label,
    attrs: { disabled: o.disabled, title: o.title } })));
}

/** Set a select's value, adding an option for a value that is not in the list (e.g. from a link). */
export function setSelect(sel, value, labelFor = String) {
  const v = String(value);
  if (![...sel.options].some((o) => o.value === v)) {
    sel.append(h("option", { value: v, text: labelFor(value) }));
  }
  if (sel.value !== v) sel.value = v;
}

/** A range input that reports while dragging (`onInput`, for its label) and on release (`onChange`). */
export function range({ min, max, step, label, onInput, onChange }) {
  const el = h("input", { type: "range", min: String(min), max: String(max), step: String(step),
    attrs: { "aria-label": label } });
  if (onInput) el.addEventListener("input", () => onInput(Number(el.value)));
  if (onChange) el.addEventListener("change", () => onChange(Number(el.value)));
  return el;
}

export function button(text, { label, onClick, cls = "btn", pressed, title } = {}) {
  return h("button", { type: "button", class: cls, text, attrs: { "aria-label": label, title: title ?? label,
    "aria-pressed": pressed === undefined ? undefined : String(pressed) }, on: { click: onClick } });
}

export function checkbox(text, { onChange, title } = {}) {
  const input = h("input", { type: "checkbox" });
  if (onChange) input.addEventListener("change", () => onChange(input.checked));
  const lab = h("label", { class: "check", attrs: { title } }, input, h("span", { text }));
  return { el: lab, input };
}

// ------------------------------------------------------------------ errors next to controls

const slots = [];  // [{prefixes, el}], most specific first when matched

/** An element that shows the server's message for fields starting with any of `prefixes`. */
export function errorSlot(prefixes) {
  const el = h("p", { class: "error", attrs: { role: "alert", hidden: true } });
  slots.push({ prefixes, el });
  return el;
}

function slotFor(field) {
  let best = null, len = -1;
  for (const s of slots) {
    for (const p of s.prefixes) {
      if ((field === p || field.startsWith(p)) && p.length > len && s.el.isConnected) { best = s; len = p.length; }
    }
  }
  return best ?? slots.find((s) => s.prefixes.includes("*"));
}

/** Show `msg` next to the control for `field` (the 422's detail[0].field). */
export function showError(field, msg) {
  const s = slotFor(String(field ?? "body"));
  if (!s) return;
  s.el.textContent = s.prefixes.includes("*") && field && field !== "body" ? `${field}: ${msg}` : msg;
  s.el.hidden = false;
}

export function clearErrors(prefix = null) {
  for (const s of slots) if (prefix === null || s.prefixes.some((p) => p.startsWith(prefix))) { s.el.hidden = true; s.el.textContent = ""; }
}

/** Numbers for people: 0.03, 1e-5, 12,345. */
export function fmt(x, digits = 3) {
  if (x === null || x === undefined || !Number.isFinite(x)) return "—";
  if (x !== 0 && (Math.abs(x) < 1e-3 || Math.abs(x) >= 1e5)) return x.toExponential(2);
  return String(Number(x.toPrecision(digits)));
}

/** Copies `text`; without a clipboard (plain http, permissions) selects it in `field` for ctrl+C.
 *  Returns true when copied. */
export async function copyText(text, field = null) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    if (field) {
      field.hidden = false;
      field.value = text;
      field.focus();
      field.select();
    }
    return false;
  }
}

/** Shows `text` on a button for a moment (e.g. "Copied ✓"), then its own label again. */
export function flash(btn, text) {
  const old = btn.dataset.label ?? btn.textContent;
  btn.dataset.label = old;
  btn.textContent = text;
  setTimeout(() => { btn.textContent = old; delete btn.dataset.label; }, 1500);
}
