/**
 * Vitest global setup (runs in Node, outside workerd): starts the deterministic model server
 * (test/support/model-server.mjs) once for the whole run and provides its base URL, which
 * the config passes into workerd as the `MODEL_SERVER_URL` binding.
 *
 * The server's mode (`POST /__mode`) is global: test files that change it must not run
 * against it concurrently with other files that depend on its normal behaviour.
 */
import type { TestProject } from "vitest/node";
import { startModelServer } from "./support/model-server.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    /** Base URL of the model server, ending in /v1. */
    modelServerUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const server = await startModelServer({ port: 0 });
  project.provide("modelServerUrl", server.url);
  return () => server.close();
}
