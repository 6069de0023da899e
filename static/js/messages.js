// messages.js — the embed's postMessage contract, DOM-free (`node --test tests/js/` runs it).
//
// parent → embed: {type: "nnp:play"} | {type: "nnp:pause"} | {type: "nnp:step"} | {type: "nnp:reset"}
//                 | {type: "nnp:preset", name: "logistic-regression"}
// embed → parent: {type: "nnp:ready"} once drawn; {type: "nnp:status", epoch, loss, status} on each new
//                 epoch or status, at most 4 a second; {type: "nnp:error", message} when a request fails.

import { isPresetName } from "./lessons.js";

export const COMMANDS = ["nnp:play", "nnp:pause", "nnp:step", "nnp:reset"];
export const STATUS_INTERVAL = 250;  // ms: at most 4 status messages a second

/** A command from the parent, or null for anything that is not exactly one of the shapes above. */
export function parseMessage(data) {
  if (data === null || typeof data !== "object" || Array.isArray(data)) return null;
  if (Object.getPrototypeOf(data) !== Object.prototype) return null;
  const keys = Object.keys(data);
  if (COMMANDS.includes(data.type) && keys.length === 1) return { type: data.type };
  if (data.type === "nnp:preset" && keys.length === 2 && isPresetName(data.name)) return { type: data.type, name: data.name };
  return null;
}

/** The status message for the live store's value; loss is the training cost J (null when unknown). */
export function statusMessage(live) {
  const cost = live.metrics?.train?.cost;
  return { type: "nnp:status", epoch: live.epoch ?? 0, loss: Number.isFinite(cost) ? cost : null, status: live.status };
}
