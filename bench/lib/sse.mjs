/**
 * A plain Server-Sent Events reader over fetch, for the session benchmarks: no dependencies,
 * every event stamped with `performance.now()` when its bytes were parsed, and `waitFor` to
 * await the first event matching a predicate (past or future). Always `close()` it.
 */

/** @typedef {{ type: string, id?: string, data: any, at: number }} SseEvent */

export class SseSubscriber {
  /** @type {SseEvent[]} */
  events = [];
  #waiters = new Set();
  #abort = new AbortController();
  #ended = false;

  /**
   * Opens the stream and resolves once the response headers arrived (the server flushes them
   * at once with a `: connected` comment), so the caller knows it is subscribed.
   * @param {string} url
   * @param {RequestInit} [init] e.g. headers; method and body for a streamed POST
   */
  static async open(url, init = {}) {
    const sub = new SseSubscriber();
    const res = await fetch(url, {
      ...init,
      headers: { accept: "text/event-stream", ...init.headers },
      signal: sub.#abort.signal,
    });
    if (!res.ok || !res.body) {
      const body = await res.text().catch(() => "");
      throw new Error(`SSE ${url}: HTTP ${res.status} ${body.slice(0, 200)}`);
    }
    sub.done = sub.#pump(res.body).catch(() => {});
    return sub;
  }

  /** Resolves with the first event (already received or future) for which `match` is true. */
  waitFor(match, timeoutMs, what = "event") {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    if (this.#ended) return Promise.reject(new Error(`stream ended before ${what}`));
    return new Promise((resolve, reject) => {
      const waiter = {
        what,
        match,
        resolve: (ev) => {
          clearTimeout(timer);
          resolve(ev);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  close() {
    this.#abort.abort();
  }

  async #pump(body) {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for await (const chunk of body) {
        const at = performance.now();
        buffer += decoder.decode(chunk, { stream: true });
        let end = buffer.indexOf("\n\n");
        while (end !== -1) {
          this.#dispatch(buffer.slice(0, end), at);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
        }
      }
    } finally {
      this.#ended = true;
      for (const w of this.#waiters) w.reject(new Error(`stream ended before ${w.what}`));
      this.#waiters.clear();
    }
  }

  #dispatch(block, at) {
    let type;
    let id;
    const data = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue; // comment (connected, keepalive)
      const colon = line.indexOf(":");
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") type = value;
      else if (field === "id") id = value;
      else if (field === "data") data.push(value);
    }
    if (!type && !data.length) return;
    let parsed = data.join("\n");
    try {
      parsed = JSON.parse(parsed);
    } catch {
      // keep the raw text
    }
    const ev = { type: type ?? parsed?.type ?? "message", id, data: parsed, at };
    this.events.push(ev);
    for (const w of this.#waiters) {
      if (w.match(ev)) {
        this.#waiters.delete(w);
        w.resolve(ev);
      }
    }
  }
}

/**
 * One streamed turn straight to a gateway's own `POST /v1/chat/completions` (the baseline the
 * benchmarks compare with): `user` keeps each benchmark's turns in one OpenClaw session.
 * @param {string} origin the gateway's origin
 * @param {string} token its gateway token
 * @param {string} user
 * @param {string} text
 */
export function openChatCompletionStream(origin, token, user, text) {
  return SseSubscriber.open(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: "openclaw/default",
      stream: true,
      user,
      messages: [{ role: "user", content: text }],
    }),
  });
}
