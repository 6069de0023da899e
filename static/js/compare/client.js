// compare/client.js — REST calls and the live stream of api/v1/comparisons (DOM-free; fetch and
// EventSource replaceable for tests). Same conventions as api.js: relative URLs, ApiError on failure,
// a stream that closes for good on `gone`, and its frames decoded for drawing. Variant sessions are
// read with api.js (GET sessions/{id}/…).

import { openEvents, requester } from "../api.js";
import { decodeFrame } from "../frame.js";

const BASE = "api/v1";  // requests and the stream go through api.js (requester, openEvents)

export function createCompareApi({ fetchImpl, base, tokens } = {}) {
  const request = requester({ fetchImpl, base, tokens });
  const c = (id, rest = "") => `comparisons/${encodeURIComponent(id)}${rest}`;
  return {
    create: (body) => request("POST", "comparisons", body),
    read: (id) => request("GET", c(id)),
    remove: (id) => request("DELETE", c(id), undefined, { keepalive: true }),
    step: (id, what) => request("POST", c(id, "/step"), what),
    play: (id, epochsPerSecond = null) => request("POST", c(id, "/play"), { epochs_per_second: epochsPerSecond }),
    pause: (id) => request("POST", c(id, "/pause")),
    reset: (id) => request("POST", c(id, "/reset"), {}),
    history: (id, since = -1) => request("GET", c(id, `/history?since=${since}`)),  // epochs after `since`
    preset: (name) => request("GET", `presets/${encodeURIComponent(name)}`),
  };
}

export const compareApi = createCompareApi();

/** The comparison's SSE stream: `frame` events parsed for `onFrame`; closed on `gone` (then `onGone`).
 *  `onOpen` on every (re)connect; `onError(gaveUp)` on every error. Returns {close(), closed}. */
export function openComparisonStream(id, { fps = 30, base = BASE, ...handlers } = {}) {
  return openEvents(`${base}/comparisons/${encodeURIComponent(id)}/stream?fps=${fps}`, handlers);
}

/** A comparison's frame decoded for drawing: {f, outputs}, each variant's `output` decoded as a
 *  session's (null for a variant without one). */
export async function decodeComparisonFrame(f) {
  const outputs = await Promise.all(f.variants.map((v) => (v.output ? decodeFrame({ output: v.output })
    .then((d) => d.output) : null)));
  return { f, outputs };
}
