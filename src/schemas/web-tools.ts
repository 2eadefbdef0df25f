/**
 * Options of the two web tools of `agent_toolset_20260401`: domain filters (`web_fetch`,
 * `web_search`), the URL sources `web_fetch` may follow, and the user location `web_search`
 * localises results with. Request forms accept the SDK's string shorthands; response forms are
 * always objects.
 */
import { z } from "@hono/zod-openapi";

/** A list of 1–64 domain filters, each checked by `check`. */
export function domainList(check: (value: string) => boolean, what: string) {
  return z
    .array(z.string().refine(check, { message: `must be ${what}` }))
    .min(1, "must not be empty; omit the field instead")
    .max(64);
}

const ToolReferenceSchema = z.strictObject({ type: z.literal("tool_reference"), name: z.string().min(1) });
const toolReferences = z.array(ToolReferenceSchema).min(1).max(128);

/** A URL source filter in its object form, as responses always carry it. */
export const UrlSourceFilterSchema = z
  .discriminatedUnion("type", [
    z.strictObject({ type: z.literal("all") }),
    z.strictObject({ type: z.literal("none") }),
    z.strictObject({ type: z.literal("only"), tools: toolReferences }),
    z.strictObject({ type: z.literal("except"), tools: toolReferences }),
  ])
  .openapi("WebFetchUrlSourceFilter");
export type UrlSourceFilter = z.infer<typeof UrlSourceFilterSchema>;

const filterParams = z.union([z.enum(["all", "none"]), UrlSourceFilterSchema]).nullish();
const userInputParams = z
  .union([z.enum(["all", "none"]), z.strictObject({ type: z.enum(["all", "none"]) })])
  .nullish();

function isNone(value: unknown): boolean {
  return (
    value === "none" ||
    (typeof value === "object" && value !== null && "type" in value && value.type === "none")
  );
}

/** `url_sources` as sent: each key accepts the `"all"`/`"none"` shorthand. */
export const UrlSourcesParamsSchema = z
  .strictObject({
    client_tool_results: filterParams,
    server_tool_results: filterParams,
    user_input: userInputParams,
  })
  .refine((s) => !(isNone(s.client_tool_results) && isNone(s.server_tool_results) && isNone(s.user_input)), {
    message: "setting every URL source to none would disable web_fetch; disable the tool instead",
  });
export type UrlSourcesParams = z.infer<typeof UrlSourcesParamsSchema>;

/** Resolved `url_sources`: object form only; a null key allows every URL from that source. */
export const UrlSourcesSchema = z
  .object({
    client_tool_results: UrlSourceFilterSchema.nullable(),
    server_tool_results: UrlSourceFilterSchema.nullable(),
    user_input: z.object({ type: z.enum(["all", "none"]) }).nullable(),
  })
  .openapi("WebFetchUrlSources");
export type UrlSources = z.infer<typeof UrlSourcesSchema>;

/** Approximate user location for web search localisation. */
export const UserLocationSchema = z
  .strictObject({
    type: z.literal("approximate"),
    city: z.string().nullish(),
    country: z.string().length(2).nullish(),
    region: z.string().nullish(),
    timezone: z.string().nullish(),
  })
  .openapi("UserLocation");

/** Rejects `allowed_domains` and `blocked_domains` set together. */
export function exclusiveDomains(
  value: { allowed_domains?: string[]; blocked_domains?: string[] },
  ctx: z.RefinementCtx,
) {
  if (value.allowed_domains && value.blocked_domains) {
    ctx.addIssue({
      code: "custom",
      path: ["blocked_domains"],
      message: "cannot be combined with allowed_domains",
    });
  }
}
