/**
 * Turns zod validation failures into the one error envelope, with a field path per problem:
 * body fields by their path (`tools.0.name`), query and path parameters prefixed
 * (`query.limit`, `path.agent_id`), so a caller can tell which part of the request to fix.
 */
import type { Hook } from "@hono/zod-openapi";
import type { ZodError } from "zod";
import type { AppEnv } from "../app-env";
import { ApiError, ERROR_CODES, type ErrorCode, type FieldError } from "../errors";

const TARGET_PREFIX: Record<string, string> = {
  json: "",
  query: "query.",
  param: "path.",
  header: "headers.",
  form: "",
  cookie: "cookies.",
};

/**
 * Flattens zod issues (including those nested inside unions) into field errors. A strict
 * object's unknown keys arrive as one issue at the object's path; each becomes its own error at
 * its own path (`config.packages.surprise: unknown field "surprise"`).
 */
export function fieldErrors(error: ZodError, target: string): FieldError[] {
  const prefix = TARGET_PREFIX[target] ?? "";
  const at = (path: PropertyKey[]) => {
    const joined = path.map(String).join(".");
    return joined ? prefix + joined : prefix.replace(/\.$/, "") || "body";
  };
  return error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: at([...issue.path, key]), message: `unknown field "${key}"` }))
      : [{ path: at(issue.path), message: issue.message }],
  );
}

/**
 * The machine code for a set of zod issues: schemas may tag an issue with
 * `params.error_code` (metadata limits carry `invalid_metadata`, which the SDK maps to its
 * own error class); when every issue agrees on one code it wins, else `invalid_request`.
 */
function errorCodeOf(error: ZodError): ErrorCode {
  const codes = new Set(
    error.issues.map((issue) => {
      const params = (issue as { params?: { error_code?: unknown } }).params;
      return typeof params?.error_code === "string" ? params.error_code : "invalid_request";
    }),
  );
  const [only] = codes;
  return codes.size === 1 && only !== undefined && only in ERROR_CODES
    ? (only as ErrorCode)
    : "invalid_request";
}

export function validationError(error: ZodError, target: string): ApiError {
  const fields = fieldErrors(error, target);
  const summary = fields
    .slice(0, 3)
    .map((f) => `${f.path}: ${f.message}`)
    .join("; ");
  const more = fields.length > 3 ? ` (and ${fields.length - 3} more)` : "";
  return new ApiError(errorCodeOf(error), `invalid request: ${summary}${more}`, { fields });
}

/** The `defaultHook` every OpenAPIHono router uses. */
// biome-ignore lint/suspicious/noExplicitAny: the hook is shared by routes of every input shape
export const validationHook: Hook<any, AppEnv, any, any> = (result) => {
  if (!result.success) throw validationError(result.error as ZodError, result.target);
};
