/**
 * Reads every JSON request body once, strictly, before any route, idempotency record or audit
 * row sees it: the bytes must be valid UTF-8 (not silently repaired to U+FFFD), the text valid
 * JSON, and the value within the structural limits of src/lib/json-shape.ts. A failure is a 400
 * naming the offending path, raised before anything is stored.
 *
 * The request is rebuilt around the checked text, so the validators and middleware that read the
 * body later (`c.req.json()`, `c.req.text()`) get exactly this text. Bodies of other media types
 * pass through untouched (the routes answer those with 415); an empty body counts as none.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors";
import { jsonShapeProblem } from "../lib/json-shape";

/** The media types the JSON validators accept: `application/json` and `application/*+json`. */
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/i;

export const readJsonBody = createMiddleware<AppEnv>(async (c, next) => {
  const mediaType = c.req.header("content-type")?.split(";")[0]?.trim() ?? "";
  if (!c.req.raw.body || !JSON_MEDIA_TYPE.test(mediaType)) return next();

  const bytes = await c.req.raw.arrayBuffer();
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (err) {
    throw new ApiError("invalid_json", "request body is not valid UTF-8", { cause: err });
  }
  // Later readers (validators, idempotency, plane scope) read this checked text.
  c.req.raw = new Request(c.req.raw, { body: text });
  if (text === "") return next();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ApiError("invalid_json", "request body is not valid JSON", { cause: err });
  }
  const problem = jsonShapeProblem(value);
  if (problem) {
    throw new ApiError("invalid_request", `invalid request: ${problem.path}: ${problem.message}`, {
      fields: [problem],
    });
  }
  await next();
});
