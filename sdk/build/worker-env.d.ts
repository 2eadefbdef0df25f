/**
 * Build-only stand-in for the Worker's generated `Env` (worker-configuration.d.ts), which the
 * Worker's `src/config.ts` names, for build/build.ts's program that resolves the wire types. The
 * real file imports the whole Worker for its Durable Object types: parsing all of it would only
 * slow the build down, as no type the SDK ships depends on it.
 */
type Env = Record<string, string | undefined>;
