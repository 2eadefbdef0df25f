/**
 * Build-only stand-in for the Worker's generated `Env` (worker-configuration.d.ts), which the
 * Worker's `src/config.ts` names. The real file imports the whole Worker for its Durable Object
 * types, which would drag every Worker module into the SDK's build output.
 */
type Env = Record<string, string | undefined>;
