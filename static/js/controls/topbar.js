// controls/topbar.js — play/pause/step/reset, the epoch counter and the main settings
// (learning rate, activation, speed), TF Playground style; regularisation, its rate, output and loss go
// in the "More settings" row (`more`, controls/more.js): a first lesson does without them.

import { throttle } from "../pace.js";
import { effectiveOutput, problemKind } from "../state.js";
import { button, errorSlot, field, h, select, setAttr, setDisabled, setOptions, setSelect, setText, setValue } from "./dom.js";

export const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const REG_RATES = [0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const SPEEDS = [1, 3, 10, 30, 100, 300, 1000, null];
const label = (x) => (x === null ? "as fast as it goes" : String(x));
const ICON = { play: "▶", pause: "❚❚" };

/** The epoch counter, for anyone watching (a follower too): the session's epoch and step from the
 *  first answer on, not from the first change after it (a fork opens at its own epoch). */
export function buildEpoch(root, { live }) {
  const epoch = h("output", { class: "epoch-value", text: "0", attrs: { "aria-live": "off" } });
  const steps = h("span", { class: "epoch-steps", text: "" });
  root.append(h("div", { class: "epoch" }, h("span", { class: "epoch-label", text: "Epoch" }), epoch, steps));
  const render = (l) => {
    setText(epoch, l.epoch.toLocaleString("en"));
    setText(steps, `step ${l.step.toLocaleString("en")}`);
  };
  render(live.get());
  const later = throttle(render);  // at full speed the epoch changes every frame: read 10× a second
  live.subscribe((l, prev) => { if (l.epoch !== prev.epoch || l.step !== prev.step) later(l); });
}

/** Play, step, reset and the speed, before the epoch counter (buildEpoch) in the same bar. */
export function buildTransport(root, { store, live, actions }) {
  const reset = button("⟲", { label: "Reset to the initial weights (r)", cls: "btn round", onClick: actions.reset });
  const play = button(ICON.play, { label: "Play (space)", cls: "btn round play", onClick: actions.togglePlay });
  const step = button("⇥", { label: "Step: one batch (→)", cls: "btn round", onClick: () => actions.step("batch") });
  const epochBtn = button("+1 ep", { label: "+1 ep: step one epoch (shift+→)", cls: "btn round small-text",
    onClick: () => actions.step("epoch") });
  const speed = select(SPEEDS.map((v) => ({ value: v ?? "max", label: v === null ? "max" : `${v}/s` })),
    { label: "Training speed in epochs per second", parse: (v) => (v === "max" ? null : Number(v)),
      onChange: (v) => store.set({ speed: v }) });
  speed.classList.add("speed");
  speed.title = "Training speed: epochs per second";
  root.prepend(reset, play, step, epochBtn, speed);
  const renderSpeed = (s) => setSelect(speed, s.speed ?? "max", (v) => `${label(v)}/s`);
  renderSpeed(store.get());
  store.subscribe(renderSpeed);
  live.subscribe((l, prev) => {
    const running = l.status === "running";
    if (running !== (prev.status === "running") || play.textContent === "") {
      play.textContent = running ? ICON.pause : ICON.play;
      play.setAttribute("aria-label", running ? "Pause (space)" : "Play (space)");
      play.title = play.getAttribute("aria-label");
    }
    play.classList.toggle("playing", running);
    setDisabled(play, l.status === "diverged");
  });
}

export function buildTopSettings(root, { catalog, store, more = root }) {
  const set = (patch) => store.set(patch);
  const lr = select(LEARNING_RATES.map((v) => ({ value: v, label: String(v) })),
    { label: "Learning rate α", parse: Number, onChange: (v) => set({ lr: v }) });
  const act = select([], { label: "Activation of every hidden layer", onChange: (v) => {
    if (v !== "mixed") set({ layers: store.get().layers.map((l) => ({ ...l, activation: v })) });
  } });
  const reg = select(catalog.regularizers.map((r) => ({ value: r.name, label: r.label, title: r.formula })),
    { label: "Regularisation", onChange: (v) => set({ reg: v }) });
  const rate = select(REG_RATES.map((v) => ({ value: v, label: String(v) })),
    { label: "Regularisation rate λ", parse: Number, onChange: (v) => set({ rate: v }) });
  // choosing what the problem defaults to stores null, so the link stays short and follows the data
  const out = select([], { label: "Output activation", onChange: (v) => {
    set({ out: v === catalog.problems[problemKind(store.get(), catalog)].default_output ? null : v, loss: null });
  } });
  const loss = select([], { label: "Loss", onChange: (v) => {
    set({ loss: v === catalog.default_loss[effectiveOutput(store.get(), catalog).out] ? null : v });
  } });
  const problem = h("span", { class: "problem-kind", text: "" });
  // plain names, the course's notation beside them
  root.append(field("Learning rate α", lr), field("Activation g(z)", act));
  more.append(
    field("Regularisation R(W)", reg),
    field("Rate λ", rate),
    h("div", { class: "field field-problem", attrs: { role: "group", "aria-label": "Problem, output and loss" } },
      h("span", { class: "label-like" }, problem, " — output ŷ, loss L"), h("span", { class: "inline" }, out, loss)),
    errorSlot(["output", "loss", "regularization"]),
  );
  const acts = catalog.activations.map((a) => ({ value: a.name, label: a.label, title: `${a.formula} — ${a.note}` }));
  const render = (s) => {
    setSelect(lr, s.lr);
    const names = [...new Set(s.layers.map((l) => l.activation))];
    setOptions(act, names.length > 1 ? [{ value: "mixed", label: "(per layer)" }, ...acts] : acts);
    setDisabled(act, s.layers.length === 0);
    setValue(act, names.length === 1 ? names[0] : names.length ? "mixed" : acts.find((a) => a.value === "tanh")?.value ?? "");
    setValue(reg, s.reg);
    setSelect(rate, s.rate);
    setDisabled(rate, s.reg === "none");
    const { kind, out: o, loss: l } = effectiveOutput(s, catalog);
    setText(problem, { binary: "Classification", multiclass: "Multi-class", regression: "Regression" }[kind]);
    setAttr(out, "aria-label", `Output activation (${problem.textContent.toLowerCase()})`);
    const outs = catalog.problems[problemKind(s, catalog)].outputs;
    setOptions(out, outs.map((n) => ({ value: n, label: catalog.output_activations.find((a) => a.name === n)?.label ?? n })));
    setValue(out, o);
    setDisabled(out, outs.length < 2);
    const losses = catalog.losses.filter((x) => x.outputs.includes(o));
    setOptions(loss, losses.map((x) => ({ value: x.name, label: x.label, title: `${x.formula} — ${x.note}` })));
    setValue(loss, l);
    setDisabled(loss, losses.length < 2);
  };
  render(store.get());
  store.subscribe(render);
}
