/** Wire pieces shared by every resource: ids in paths, list queries and page envelopes. */
import { z } from "@hono/zod-openapi";
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT } from "../config";

/**
 * An integer in a query string, `min`..`max`: plain decimal digits only. Number coercion would
 * also take `1e3`, `0x10`, `+5`, ` 5` or `` (as 0); a caller sending those has a bug to hear about.
 */
export function decimalIntQuery(min: number, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .regex(/^[0-9]{1,16}$/, "must be a decimal integer")
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .openapi({ type: "integer", minimum: min, ...(max < Number.MAX_SAFE_INTEGER ? { maximum: max } : {}) });
}

/** `limit` as the SDKs send it (a query string), 1..1000. */
export const LimitQuery = decimalIntQuery(1, MAX_PAGE_LIMIT)
  .default(DEFAULT_PAGE_LIMIT)
  .openapi({ description: `Page size, 1-${MAX_PAGE_LIMIT}` });

/**
 * For names and other identifier-like strings: no control characters (C0, DEL, C1), which
 * corrupt logs, terminals and tables that show them. Free text (descriptions, system prompts,
 * messages) may carry newlines and tabs; NUL and lone surrogates are refused in every string
 * (src/lib/json-shape.ts). Use as `z.string().check(noControlChars)`.
 */
export const noControlChars = z.regex(
  // biome-ignore lint/complexity/useRegexLiterals: a literal would hold the control characters it refuses, which noControlCharactersInRegex forbids
  new RegExp("^[^\\u0000-\\u001f\\u007f-\\u009f]*$"),
  "must not contain control characters",
);

/** The opaque `next_page` value of a previous page. */
export const PageQuery = z.string().min(1).optional().openapi({ description: "Cursor from `next_page`" });

/** Booleans in query strings are the words `true` and `false`. */
export const BooleanQuery = z
  .enum(["true", "false"])
  .optional()
  .transform((v) => v === "true");

/** RFC 3339 timestamp in a query, parsed to epoch ms. */
export const TimestampQuery = z
  .string()
  .datetime({ offset: true })
  .transform((v) => Date.parse(v))
  .optional();

/** `{data, next_page}`: the SDK's PageCursor envelope. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), next_page: z.string().nullable() });
}

/** Path parameter schema for a resource id with the given prefix. */
export function idParam<N extends string>(name: N, prefix: string) {
  const id = z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name, in: "path" }, example: `${prefix}011CZkZ9X2dpNyB7HsEFoRfW` });
  return z.object({ [name]: id } as { [K in N]: typeof id });
}

/** The body of a `text/event-stream` response, for the docs: lines of `event:`, `id:` and `data:`. */
export const SSE_STREAM = z.string().openapi({ description: "Server-sent events (text/event-stream)" });

/** Standard error response documentation for createRoute. */
export const ErrorSchema = z
  .object({
    type: z.literal("error"),
    error: z.object({
      type: z.string(),
      message: z.string(),
      details: z.object({ error_code: z.string() }).catchall(z.unknown()),
    }),
    request_id: z.string(),
  })
  .openapi("Error");

const errorResponse = (description: string) => ({
  description,
  content: { "application/json": { schema: ErrorSchema } },
});

/** The error responses every authenticated route can produce. */
export const COMMON_ERRORS = {
  400: errorResponse("Invalid request (field paths in error.details.errors)"),
  401: errorResponse("Missing or invalid API key"),
  403: errorResponse("The key lacks the required scope"),
  404: errorResponse("Not found"),
  413: errorResponse("Request body too large"),
  429: errorResponse("Rate limited (see retry-after)"),
} as const;

export const CONFLICT_ERROR = { 409: errorResponse("Conflict with the current state") } as const;
