/**
 * The model a warm pool container talks to before any session claims it: its boot config points
 * the provider at `warmup.clawplane.internal`, which the pool member intercepts to this
 * entrypoint. It answers the data-free warm-up turn and nothing else; it holds no key and calls
 * no provider (src/runtime/pool/warmup-model.ts).
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { warmupCompletion } from "../runtime/pool/warmup-model";

export class PoolWarmupEntrypoint extends WorkerEntrypoint<Env> {
  override async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (request.method === "POST" && pathname.endsWith("/chat/completions")) return warmupCompletion(request);
    if (request.method === "GET" && pathname.endsWith("/models"))
      return Response.json({
        object: "list",
        data: [{ id: "default", object: "model", owned_by: "clawplane" }],
      });
    return Response.json(
      { error: { message: "the warm-up model serves chat completions only" } },
      { status: 404 },
    );
  }
}
