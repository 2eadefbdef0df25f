/**
 * Tool schemas for agents: the tool kinds an agent may carry (`agent_toolset_20260401`,
 * `mcp_toolset`, `custom`, and Clawplane's `beam_agent`), in request ("params") form and in the resolved response form.
 *
 * Request forms mirror the SDK's `*Params` types: almost everything is optional and nullable.
 * Response forms are what `agentSpecFromCreate` produces: every toolset fully expanded, every
 * default filled in. Nested objects strip unknown keys rather than reject them, so a client on a
 * newer SDK is not refused for a field this server does not know yet.
 */
import { z } from "@hono/zod-openapi";
import { isHostname, isHostnameWithPath } from "./hostnames";
import {
  domainList,
  exclusiveDomains,
  UrlSourcesParamsSchema,
  UrlSourcesSchema,
  UserLocationSchema,
} from "./web-tools";

/** The built-in tools of `agent_toolset_20260401`, in the order responses list them. */
export const BUILTIN_TOOL_NAMES = [
  "bash",
  "edit",
  "read",
  "write",
  "glob",
  "grep",
  "web_fetch",
  "web_search",
] as const;
export type BuiltinToolName = (typeof BUILTIN_TOOL_NAMES)[number];

/** Whether a tool call runs without asking, waits for approval, or is judged by the server. */
export const PermissionPolicySchema = z
  .strictObject({ type: z.enum(["always_allow", "always_ask", "auto"]) })
  .openapi("PermissionPolicy");
export type PermissionPolicy = z.infer<typeof PermissionPolicySchema>;

const overrideFields = {
  enabled: z.boolean().nullish(),
  permission_policy: PermissionPolicySchema.nullish(),
};

/** `default_config` as sent: both fields optional, resolved against the toolset kind's default. */
export const ToolsetDefaultConfigParamsSchema = z
  .strictObject(overrideFields)
  .openapi("ToolsetDefaultConfigParams");

/** A resolved `default_config`. */
export const ToolsetDefaultConfigSchema = z
  .object({ enabled: z.boolean(), permission_policy: PermissionPolicySchema })
  .openapi("ToolsetDefaultConfig");
export type ToolsetDefaultConfig = z.infer<typeof ToolsetDefaultConfigSchema>;

// --- agent_toolset_20260401 --------------------------------------------------------------------

function plainToolParams<N extends BuiltinToolName>(name: N) {
  return z.strictObject({ name: z.literal(name), type: z.literal(name).optional(), ...overrideFields });
}

const WebFetchConfigParamsSchema = z
  .strictObject({
    name: z.literal("web_fetch"),
    type: z.literal("web_fetch").optional(),
    ...overrideFields,
    allowed_domains: domainList(isHostname, "a plain hostname such as docs.example.com").optional(),
    blocked_domains: domainList(isHostname, "a plain hostname such as ads.example.com").optional(),
    max_content_tokens: z.number().int().positive().nullish(),
    url_sources: UrlSourcesParamsSchema.nullish(),
  })
  .superRefine(exclusiveDomains);

const WebSearchConfigParamsSchema = z
  .strictObject({
    name: z.literal("web_search"),
    type: z.literal("web_search").optional(),
    ...overrideFields,
    allowed_domains: domainList(isHostnameWithPath, "a hostname, optionally with a path").optional(),
    blocked_domains: domainList(isHostnameWithPath, "a hostname, optionally with a path").optional(),
    user_location: UserLocationSchema.nullish(),
  })
  .superRefine(exclusiveDomains);

/** A per-tool override inside an `agent_toolset_20260401`, selected by `name`. */
export const AgentToolConfigParamsSchema = z.discriminatedUnion("name", [
  plainToolParams("bash"),
  plainToolParams("edit"),
  plainToolParams("read"),
  plainToolParams("write"),
  plainToolParams("glob"),
  plainToolParams("grep"),
  WebFetchConfigParamsSchema,
  WebSearchConfigParamsSchema,
]);
export type AgentToolConfigParams = z.infer<typeof AgentToolConfigParamsSchema>;

/** The built-in toolset as sent; `{"type":"agent_toolset_20260401"}` alone enables everything. */
export const AgentToolsetParamsSchema = z
  .strictObject({
    type: z.literal("agent_toolset_20260401"),
    configs: z.array(AgentToolConfigParamsSchema).optional(),
    default_config: ToolsetDefaultConfigParamsSchema.nullish(),
  })
  .openapi("AgentToolset20260401Params");

const resolvedFields = { enabled: z.boolean(), permission_policy: PermissionPolicySchema };

function plainToolConfig<N extends BuiltinToolName>(name: N) {
  return z.object({ type: z.literal(name), name: z.literal(name), ...resolvedFields });
}

/** A resolved built-in tool configuration; responses always list all eight. */
export const AgentToolConfigSchema = z.discriminatedUnion("name", [
  plainToolConfig("bash"),
  plainToolConfig("edit"),
  plainToolConfig("read"),
  plainToolConfig("write"),
  plainToolConfig("glob"),
  plainToolConfig("grep"),
  z.object({
    type: z.literal("web_fetch"),
    name: z.literal("web_fetch"),
    ...resolvedFields,
    url_sources: UrlSourcesSchema.nullable(),
    allowed_domains: z.array(z.string()).optional(),
    blocked_domains: z.array(z.string()).optional(),
    max_content_tokens: z.number().int().nullable().optional(),
  }),
  z.object({
    type: z.literal("web_search"),
    name: z.literal("web_search"),
    ...resolvedFields,
    allowed_domains: z.array(z.string()).optional(),
    blocked_domains: z.array(z.string()).optional(),
    user_location: UserLocationSchema.nullable().optional(),
  }),
]);
export type AgentToolConfig = z.infer<typeof AgentToolConfigSchema>;

/** The built-in toolset as stored and returned. */
export const AgentToolsetSchema = z
  .object({
    type: z.literal("agent_toolset_20260401"),
    default_config: ToolsetDefaultConfigSchema,
    configs: z.array(AgentToolConfigSchema),
  })
  .openapi("AgentToolset20260401");
export type AgentToolset = z.infer<typeof AgentToolsetSchema>;

// --- mcp_toolset -------------------------------------------------------------------------------

/** Tools of one MCP server declared in `mcp_servers`, as sent. */
export const McpToolsetParamsSchema = z
  .strictObject({
    type: z.literal("mcp_toolset"),
    mcp_server_name: z.string().min(1).max(255),
    configs: z.array(z.strictObject({ name: z.string().min(1).max(128), ...overrideFields })).optional(),
    default_config: ToolsetDefaultConfigParamsSchema.nullish(),
  })
  .openapi("McpToolsetParams");

/** An MCP toolset as stored and returned. */
export const McpToolsetSchema = z
  .object({
    type: z.literal("mcp_toolset"),
    mcp_server_name: z.string(),
    default_config: ToolsetDefaultConfigSchema,
    configs: z.array(z.object({ name: z.string(), ...resolvedFields })),
  })
  .openapi("McpToolset");
export type McpToolset = z.infer<typeof McpToolsetSchema>;

// --- custom ------------------------------------------------------------------------------------

/** JSON Schema of a custom tool's input; any further JSON Schema keywords are kept. */
export const CustomToolInputSchemaSchema = z
  .looseObject({
    type: z.literal("object"),
    properties: z.record(z.string(), z.unknown()).nullish(),
    required: z.array(z.string()).nullish(),
  })
  .openapi("CustomToolInputSchema");

/** A tool the API client executes itself; identical in request and response form. */
export const CustomToolSchema = z
  .strictObject({
    type: z.literal("custom"),
    name: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "must be 1-128 letters, digits, underscores or hyphens"),
    description: z.string(),
    input_schema: CustomToolInputSchemaSchema,
  })
  .openapi("CustomTool");
export type CustomTool = z.infer<typeof CustomToolSchema>;

// --- beam_agent (Clawplane) ---------------------------------------------------------------------
//
// Delegation of a task to a full coding agent (Claude Code, Codex or a custom CLI) running in a
// Teleport Beam: a Clawplane tool type beside the CMA toolsets, stored and versioned with the
// agent; the model sees one tool, `beam_agent({task, agent?, timeout?, publish?})`
// (container/plugins/clawplane-beams). Defaults are filled in by src/domain/agent-tools.ts.

/** The agent CLIs a beam can run: two well-known ones and the agent's own command. */
export const BEAM_AGENT_CLIS = ["claude", "codex", "custom"] as const;
export type BeamAgentCli = (typeof BEAM_AGENT_CLIS)[number];

/** Teleport purges a beam 24 h after creation, so no run may be allowed longer than that. */
export const BEAM_MAX_TIMEOUT_SECONDS = 86_400;
export const BEAM_DEFAULT_TIMEOUT_SECONDS = 300;
export const BEAM_DEFAULT_MAX_TIMEOUT_SECONDS = 1_800;

/** argv of a custom agent CLI; the task is appended as its last argument (never through a shell). */
const CustomCommandSchema = z
  .array(z.string().min(1).max(1_024))
  .min(1)
  .max(32)
  .openapi({ description: "argv of the agent CLI; the task is appended as its last argument" });

const timeoutSeconds = z.number().int().min(1).max(BEAM_MAX_TIMEOUT_SECONDS);

/** The tool as sent on create or update. */
export const BeamAgentToolParamsSchema = z
  .strictObject({
    type: z.literal("beam_agent"),
    default_agent: z.enum(BEAM_AGENT_CLIS).optional(),
    custom_command: CustomCommandSchema.nullish(),
    default_timeout_seconds: timeoutSeconds.optional(),
    max_timeout_seconds: timeoutSeconds.optional(),
    allow_publish: z.boolean().optional(),
    permission_policy: PermissionPolicySchema.nullish(),
  })
  .openapi("BeamAgentToolParams");
export type BeamAgentToolParams = z.infer<typeof BeamAgentToolParamsSchema>;

/** The tool as stored and returned: every default filled in. */
export const BeamAgentToolSchema = z
  .object({
    type: z.literal("beam_agent"),
    default_agent: z.enum(BEAM_AGENT_CLIS),
    custom_command: z.array(z.string()).nullable(),
    default_timeout_seconds: z.number().int(),
    max_timeout_seconds: z.number().int(),
    allow_publish: z.boolean(),
    permission_policy: PermissionPolicySchema,
  })
  .openapi("BeamAgentTool");
export type BeamAgentTool = z.infer<typeof BeamAgentToolSchema>;

// --- unions ------------------------------------------------------------------------------------

/** Any tool as sent on create or update. */
export const AgentToolParamsSchema = z.discriminatedUnion("type", [
  AgentToolsetParamsSchema,
  McpToolsetParamsSchema,
  CustomToolSchema,
  BeamAgentToolParamsSchema,
]);
export type AgentToolParams = z.infer<typeof AgentToolParamsSchema>;

/** Any tool as stored and returned. */
export const AgentToolSchema = z.discriminatedUnion("type", [
  AgentToolsetSchema,
  McpToolsetSchema,
  CustomToolSchema,
  BeamAgentToolSchema,
]);
export type AgentTool = z.infer<typeof AgentToolSchema>;
