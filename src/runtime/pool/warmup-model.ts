/**
 * The warm-up turn's model: answers every chat completion at once with "ok", streamed or not,
 * in OpenAI's wire format. It serves only a pool container's data-free warm-up turn (a fresh
 * gateway's first turn costs 10–22 s even after /readyz; later ones ~1 s); no session points at
 * it, since a claim replaces the provider's URL and key. The local pool's twin is
 * `answerWarmupCompletion` in scripts/runtime-pool.mjs.
 */

/** The host a pool container's boot config points its model provider at; intercepted to this answer. */
export const POOL_WARMUP_HOST = "warmup.clawplane.internal";

export async function warmupCompletion(request: Request): Promise<Response> {
  const body = (await request.json().catch(() => ({}))) as { stream?: boolean; model?: string };
  const id = `chatcmpl-warmup-${Date.now()}`;
  const created = Math.floor(Date.now() / 1000);
  const model = body.model ?? "warmup";
  const usage = { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 };
  if (!body.stream) {
    return Response.json({
      id,
      object: "chat.completion",
      created,
      model,
      choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
      usage,
    });
  }
  const chunk = (delta: object, finish: string | null, extra: object = {}) =>
    `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`;
  const text = `${chunk({ role: "assistant", content: "ok" }, null)}${chunk({}, "stop", { usage })}data: [DONE]\n\n`;
  return new Response(text, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}
