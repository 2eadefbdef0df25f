/**
 * Request bodies that reject unknown fields, so a typo is reported instead of silently ignored.
 *
 * A strict object: the OpenAPI document declares it (`additionalProperties: false`), and the
 * validation hook (src/middleware/validation.ts) reports each unknown field at its own path,
 * `{"path":"nmae","message":"unknown field \"nmae\""}`. Nested request objects are strict the
 * same way (`z.strictObject`).
 */
import { z } from "@hono/zod-openapi";

/** A strict object schema over `shape`. */
export function strictBody<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.strictObject(shape);
}
