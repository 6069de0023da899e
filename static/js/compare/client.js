// compare/client.js — REST calls and the live stream of api/v1/comparisons (DOM-free; fetch and
// EventSource replaceable for tests). Same conventions as api.js: relative URLs, ApiError on failure,
// a stream that closes for good on `gone`. Variant sessions are read with api.js (GET sessions/{id}/…).

import { requester } from "../api.js";

const BASE = "api/v1";  // for the stream; requests go through api.js's requester

export function createCompareApi({ fetchImpl, base } = {}) {
  const request = requester({ fetchImpl, base });
  const c = (id, rest = "") => `comparisons/${encodeURIComponent(id)}${rest}`;
  return {
    create: (body) => request("POST", "comparisons", body),
    read: (id) => request("GET", c(id)),
    remove: (id) => request("DELETE", c(id), undefined, { keepalive: true }),
    step: (id, what) => request("POST", c(id, "/step"), what),
    play: (id, epochsPerSecond = null) => request("POST", c(id, "/play"), { epochs_per_second: epochsPerSecond }),
    pause: (id) => request("POST", c(id, "/pause")),
    reset: (id) => request("POST", c(id, "/reset"), {}),
    history: (id) => request("GET", c(id, "/history")),
    preset: (name) => request("GET", `presets/${encodeURIComponent(name)}`),
  };
}

export const compareApi = createCompareApi();

/** The comparison's SSE stream: `frame` events parsed for `onFrame`; closed on `gone` (then `onGone`).
 *  `onOpen` on every (re)connect; `onError(gaveUp)` on every error. Returns {close(), closed}. */
export function openComparisonStream(id, { fps = 30, onFrame, onGone, onOpen, onError,
  EventSourceImpl = globalThis.EventSource, base = BASE } = {}) {
  const source = new EventSourceImpl(`${base}/comparisons/${encodeURIComponent(id)}/stream?fps=${fps}`);
  let closed = false;
  const close = () => { if (!closed) { closed = true; source.close(); } };
  source.addEventListener("open", () => { if (!closed) onOpen?.(); });
  source.addEventListener("frame", (e) => {
    if (closed) return;
    let frame;
    try { frame = JSON.parse(e.data); } catch { return; }
    onFrame?.(frame);
  });
  source.addEventListener("done", () => close());
  source.addEventListener("gone", () => { close(); onGone?.(); });
  source.addEventListener("error", () => {
    if (closed) return;
    const gaveUp = source.readyState === 2;
    if (gaveUp) closed = true;
    onError?.(gaveUp);
  });
  return { close, get closed() { return closed; } };
}
