// api.js — the REST client and the live stream. Every URL is relative (works behind a sub-path).
// DOM-free: uses fetch and EventSource, both replaceable for tests.

import { wholeFrames } from "./frame.js";

const BASE = "api/v1";

/** A failed request; `field` and `msg` come from the server's {"detail": [{field, msg}]} body; a 404 for
 *  a session its owner replaced also names the new one (`successor`). */
export class ApiError extends Error {
  constructor(status, detail, successor = null) {
    const first = Array.isArray(detail) ? detail[0] : null;
    const field = first?.field ?? "body";
    const msg = first?.msg ?? (typeof detail === "string" ? detail : `request failed (${status})`);
    super(`${field}: ${msg}`);
    this.status = status;
    this.field = field;
    this.msg = msg;
    this.successor = successor;
  }
}

/** The owner tokens this tab holds. Creating (or forking) a session or a comparison answers with an
 *  `owner_token`, the one capability that changes or deletes it; its id only reads (a follow link
 *  carries nothing more). Kept in sessionStorage, so a reload of this tab keeps control of what it
 *  made, and no other tab or link ever sees them. `storage` is for tests. */
export function ownerTokens(storage = tabStorage()) {
  const held = new Map();
  const key = (id) => `nnp.owner.${id}`;
  return {
    get(id) {
      if (!held.has(id)) { try { const t = storage?.getItem(key(id)); if (t) held.set(id, t); } catch { /* storage off */ } }
      return held.get(id) ?? null;
    },
    set(id, token) { held.set(id, token); try { storage?.setItem(key(id), token); } catch { /* storage full or off: this page keeps it */ } },
    forget(id) { held.delete(id); try { storage?.removeItem(key(id)); } catch { /* storage off */ } },
  };
}

function tabStorage() {
  try { return globalThis.sessionStorage ?? null; } catch { return null; }  // a sandboxed frame may refuse it
}

/** The page's owner tokens, shared by every client made here (sessions and comparisons). */
export const pageTokens = ownerTokens();

// the id a request is about: sessions/{id}… or comparisons/{id}… (encoded as in the path)
const TARGET = /^(?:sessions|comparisons)\/([^/?]+)/;

/** `request(method, path, body, {keepalive})` → parsed JSON, or throws ApiError: the one HTTP helper
 *  of every client here (sessions, comparisons). A request about an id this tab owns carries its owner
 *  token; a response that made something leaves its token here (not in the returned data).
 *  `fetchImpl` and `tokens` are for tests. */
export function requester({ fetchImpl = (...a) => globalThis.fetch(...a), base = BASE, tokens = pageTokens } = {}) {
  return async function request(method, path, body, { keepalive = false } = {}) {
    const init = { method, keepalive, headers: { Accept: "application/json" } };
    const target = TARGET.exec(path);
    const targetId = target ? decodeURIComponent(target[1]) : null;
    const token = targetId ? tokens.get(targetId) : null;
    if (token) init.headers.Authorization = `Bearer ${token}`;
    if (body instanceof FormData) init.body = body;
    else if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let res;
    try {
      res = await fetchImpl(`${base}/${path}`, init);
    } catch (err) {
      throw new ApiError(0, `the server cannot be reached (${err.message ?? err})`);
    }
    if (res.status === 204) {
      if (method === "DELETE" && targetId && !path.slice(target[0].length).replace(/^\?.*/, "")) tokens.forget(targetId);
      return null;
    }
    const data = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, data?.detail ?? res.statusText, typeof data?.successor === "string" ? data.successor : null);
    if (typeof data?.owner_token === "string" && typeof data.id === "string") {
      tokens.set(data.id, data.owner_token);
      delete data.owner_token;  // nothing downstream may show, log or serialise it
    }
    return data;
  };
}

/** A client whose calls return parsed JSON (or throw ApiError); `fetchImpl` is for tests. */
export function createApi({ fetchImpl, base = BASE, tokens } = {}) {
  const request = requester({ fetchImpl, base, tokens });
  const s = (id, rest = "") => `sessions/${encodeURIComponent(id)}${rest}`;
  return {
    catalog: () => request("GET", "catalog"),
    create: (config) => request("POST", "sessions", config),
    read: (id) => request("GET", s(id)),
    patch: (id, patch) => request("PATCH", s(id), patch),
    /** `successor`: the session replacing this one; whoever follows it is sent there. */
    remove: (id, { successor = null } = {}) => request("DELETE",
      s(id, successor ? `?successor=${encodeURIComponent(successor)}` : ""), undefined, { keepalive: true }),
    step: (id, what) => request("POST", s(id, "/step"), what),
    reset: (id, seed = null) => request("POST", s(id, "/reset"), seed === null ? {} : { seed }),
    play: (id, epochsPerSecond = null) => request("POST", s(id, "/play"), { epochs_per_second: epochsPerSecond }),
    pause: (id) => request("POST", s(id, "/pause")),
    weights: (id) => request("GET", s(id, "/weights")),
    putWeights: (id, weights) => request("PUT", s(id, "/weights"), weights),
    data: (id) => request("GET", s(id, "/data")),
    history: (id, since = -1) => request("GET", s(id, `/history?since=${since}`)),
    fork: (id) => request("POST", s(id, "/fork")),
    presets: () => request("GET", "presets"),
    preset: (name) => request("GET", `presets/${encodeURIComponent(name)}`),
    /** A small sample of a generated data set for its thumbnail: {kind, n_classes, points, labels}. */
    datasetPreview: (name) => request("GET", `datasets/${encodeURIComponent(name)}/preview`),
    uploadCsv(file) {
      const form = new FormData();
      form.append("file", file, file.name ?? "points.csv");
      return request("POST", "datasets/csv", form);
    },
    exportUrl: (id, format = "json") => `${base}/${s(id, format === "json" ? "/export" : `/export?format=${format}`)}`,
  };
}

export const api = createApi();

/**
 * One live view of a session: `frame` events parsed and handed to `onFrame`; closed for good on
 * `done`, `gone` and `moved` (EventSource would otherwise reconnect and replay). `moved` ({id}: its
 * owner replaced the session) calls `onMoved(newId)`, or `onGone` without one. `onOpen` runs on every
 * (re)connect, so the caller can refill what it missed; `onError(gaveUp)` on every error.
 * Returns {close(), closed}.
 */
export function openStream(id, { fps = 60, base = BASE, ...handlers } = {}) {
  const whole = wholeFrames();  // every frame handed on has its slow parts, sent or kept
  return openEvents(`${base}/sessions/${encodeURIComponent(id)}/stream?fps=${fps}`,
                    { ...handlers, onFrame: (f) => handlers.onFrame?.(whole(f)) });
}

/** The event handling of every live view (a session's, a comparison's) on the stream at `url`. */
export function openEvents(url, { onFrame, onGone, onMoved, onOpen, onError, EventSourceImpl = globalThis.EventSource } = {}) {
  const source = new EventSourceImpl(url);
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
  source.addEventListener("gone", (e) => {
    close();
    let why = {};
    try { why = JSON.parse(e.data); } catch { /* keep {} */ }
    onGone?.(why);
  });
  source.addEventListener("moved", (e) => {
    close();
    let next = null;
    try { next = JSON.parse(e.data)?.id; } catch { /* no successor: gone */ }
    if (typeof next === "string" && next && onMoved) onMoved(next);
    else onGone?.({ reason: "moved" });
  });
  // EventSource retries by itself; readyState 2 (CLOSED) means it gave up (e.g. a 404 on reconnect)
  source.addEventListener("error", () => {
    if (closed) return;
    const gaveUp = source.readyState === 2;
    if (gaveUp) closed = true;
    onError?.(gaveUp);
  });
  return { close, get closed() { return closed; } };
}
