/**
 * Request bodies that reject unknown top-level fields, reporting each one at its own path.
 *
 * `z.strictObject` reports every unknown key in one issue with an empty path, which the
 * validation hook can only attribute to the body as a whole. Checking the keys first gives the
 * caller `{"path":"nmae","message":"unknown field \"nmae\""}` instead.
 */
import { z } from "@hono/zod-openapi";

/** An object schema over `shape` that fails with one issue per unknown top-level field. */
export function strictBody<Shape extends z.ZodRawShape>(shape: Shape) {
  return z.preprocess((value, ctx) => {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) {
      for (const key of Object.keys(value)) {
        if (!Object.hasOwn(shape, key)) {
          ctx.addIssue({ code: "custom", path: [key], message: `unknown field "${key}"`, input: value });
        }
      }
    }
    return value;
  }, z.object(shape));
}
