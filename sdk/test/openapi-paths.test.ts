/// <reference types="vite/client" />
/**
 * Every request the SDK makes names a route the Worker documents: each method and path written
 * in the SDK's resource modules (and the event stream's) is an operation of the real Worker's
 * `/openapi.json`. A renamed or removed route then fails here, not in a user's call.
 *
 * The SDK has no table of its routes: each method writes its path where it makes the request,
 * as `method: "POST", path: `/v1/…/${seg(id)}``, `paginate(…)` (a GET) or a stream target (a
 * GET). So the paths are read from the sources: path helpers (`planePath(plane)`) are inlined,
 * every `${…}` becomes a path parameter, and every `path:`/`paginate(` site must be understood,
 * so a new way of writing one fails the test instead of going unchecked.
 */
import { describe, expect, it } from "vitest";
import { workerFetch } from "./helpers";

const sources = import.meta.glob<string>(["../src/resources/*.ts", "../src/core/stream.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
});

/** A path expression: a string literal, a template literal, or a call of a path helper. */
const EXPR = String.raw`("[^"]*"|\x60[^\x60]*\x60|\w+\([^)]*\))`;

interface Call {
  file: string;
  method: string;
  path: string;
}

/** `{}` for each path parameter, whatever it is called: `${seg(id)}` in the SDK, `{agent_id}` in OpenAPI. */
const normalise = (path: string) => path.replace(/\$\{[^}]*\}|\{[^}]*\}/g, "{}");

function sdkCalls(): Call[] {
  const calls: Call[] = [];
  for (const [file, source] of Object.entries(sources)) {
    // `const planePath = (plane: string) => `/v1/planes/${seg(plane)}`;` and the like.
    const helpers = new Map<string, string>();
    for (const m of source.matchAll(/const (\w+) = \([^)]*\) =>\s*`([^`]*)`/g)) helpers.set(m[1]!, m[2]!);
    const expand = (expr: string): string => {
      let text = expr.replace(/^["`]|["`]$/g, "");
      const call = /^(\w+)\([^)]*\)$/.exec(text);
      if (call) text = `\${${text}}`;
      for (let before = ""; before !== text; ) {
        before = text;
        text = text.replace(/\$\{(\w+)\([^)]*\)\}/g, (whole, name: string) => helpers.get(name) ?? whole);
      }
      return text;
    };

    // Every place a path is given, but for type annotations and forwarding (the stream passing
    // on `this.target.path`, `paginate` passing on its `path`).
    const sites = source.match(/\bpath: (?!string|this\.)|\bpaginate\((?!path)/g) ?? [];
    const found = [
      ...source.matchAll(new RegExp(String.raw`(?:method: "(\w+)",\s*)?\bpath: ${EXPR}`, "g")),
      ...[...source.matchAll(new RegExp(String.raw`\bpaginate\(${EXPR}`, "g"))].map((m) => [
        m[0],
        undefined,
        m[1],
      ]),
    ];
    expect(found.length, `${file}: every path: / paginate( site is understood`).toBe(sites.length);
    for (const [, method, expr] of found) {
      calls.push({ file, method: method ?? "GET", path: normalise(expand(expr!)) });
    }
  }
  return calls;
}

describe("the SDK's routes", () => {
  it("are all documented in the Worker's /openapi.json, method and path", async () => {
    const res = await workerFetch("http://clawplane.test/openapi.json");
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) =>
        Object.keys(ops).map((method) => `${method.toUpperCase()} ${normalise(path)}`),
      ),
    );

    const calls = sdkCalls();
    // Not vacuous: agents, environments, sessions, events, API keys, audit and planes.
    expect(calls.length).toBeGreaterThanOrEqual(40);
    for (const call of calls)
      expect(call.path, `${call.file}: a path the SDK could not resolve`).toMatch(/^\/v1\/[^$]*$/);

    const undocumented = calls
      .map((c) => `${c.method} ${c.path}`)
      .filter((operation) => !documented.has(operation));
    expect(undocumented).toEqual([]);
  });
});
