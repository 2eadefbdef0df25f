/**
 * The session's durable workspace: the agent's working directory (`/workspace` in a container,
 * the local gateway's working dir in development) saved to R2 after every turn and before idle
 * sleep, and put back into a fresh runtime before its first turn, so files survive idle sleep,
 * a crash, a deploy and a move to another runtime, as the conversation does.
 *
 * Bytes move through the runtime seam on {@link WORKSPACE_PORT}, the workspace archive endpoint
 * (container/workspace-archive.mjs): the same endpoint in a container and under the local
 * supervisor, and the same R2 binding (`WORKSPACES`), which `wrangler dev` and the tests
 * simulate locally. One object per session, `sessions/<id>/workspace.tar.gz`, replaced whole on
 * each save; a save of an unchanged workspace is a metadata scan and a 304 (no archive, no write).
 *
 * Safety: a fresh runtime's endpoint refuses to hand out its (empty) workspace until it was
 * restored, so an empty workspace can never overwrite the saved one.
 */
import { log } from "../lib/log";
import { type AgentRuntime, WORKSPACE_PORT } from "../runtime/agent-runtime";
import { type SessionEventBodyOf, sessionError } from "../schemas/session-events";

/** DO KV: the fingerprint of the workspace as last saved (or restored), for no-op saves. */
const FINGERPRINT_KEY = "workspace-fingerprint";
/** The host part is ignored by both runtimes; it only makes the URL well-formed. */
const ORIGIN = "http://workspace.local";

/** What a save did. */
export type WorkspaceSave =
  | { kind: "saved"; bytes: number; archiveBytes: number }
  | { kind: "unchanged" }
  | { kind: "too_large"; bytes: number; maxBytes: number }
  /** Nothing to save from: no store configured, or the runtime's workspace was never restored. */
  | { kind: "skipped"; reason: string }
  | { kind: "failed"; reason: string };

/** What a restore did. */
export type WorkspaceRestore = { kind: "restored"; bytes: number } | { kind: "empty" } | { kind: "already" };

export class WorkspaceStore {
  constructor(
    private readonly bucket: R2Bucket | undefined,
    private readonly kv: SyncKvStorage,
    private readonly sessionId: string,
  ) {}

  private get key(): string {
    return `sessions/${this.sessionId}/workspace.tar.gz`;
  }

  /**
   * Puts the saved workspace into `runtime` unless it already holds it (a runtime this session
   * restored before, e.g. found running after the object was evicted). Throws when it cannot:
   * a turn must not run on a workspace that silently lacks the user's files. `fresh`: the
   * runtime was just claimed from a warm pool (its claim emptied the workspace and nothing was
   * ever restored into it), so the round trip asking whether it holds the workspace is skipped.
   */
  async restore(
    runtime: AgentRuntime,
    token: string,
    options: { fresh?: boolean } = {},
  ): Promise<WorkspaceRestore> {
    if (!options.fresh) {
      const state = await this.call<{ restored: boolean }>(runtime, token, "GET", "/state");
      if (state.restored) return { kind: "already" };
    }
    const saved = this.bucket ? await this.bucket.get(this.key) : null;
    const headers = new Headers({ "content-length": String(saved?.size ?? 0) });
    if (saved) headers.set("content-type", "application/gzip");
    const restored = await this.call<{ fingerprint: string; bytes: number }>(
      runtime,
      token,
      "PUT",
      "/archive",
      {
        headers,
        body: saved?.body ?? null,
      },
    );
    // Extraction keeps contents but not sub-second mtimes: the restored workspace's own
    // fingerprint is what an unchanged next save compares with.
    this.kv.put(FINGERPRINT_KEY, restored.fingerprint);
    return saved ? { kind: "restored", bytes: restored.bytes } : { kind: "empty" };
  }

  /** Saves the runtime's workspace if it changed since the last save and is within `maxBytes`. */
  async save(runtime: AgentRuntime, token: string, maxBytes: number): Promise<WorkspaceSave> {
    if (!this.bucket) return { kind: "skipped", reason: "no WORKSPACES bucket is bound" };
    let response: Response;
    try {
      const headers = new Headers({ authorization: `Bearer ${token}` });
      const last = this.kv.get<string>(FINGERPRINT_KEY);
      if (last) headers.set("if-none-match", last);
      response = await runtime.fetch(
        WORKSPACE_PORT,
        new Request(`${ORIGIN}/archive?max_bytes=${maxBytes}`, { headers }),
      );
    } catch (err) {
      return { kind: "failed", reason: `the runtime did not answer (${errorText(err)})` };
    }
    if (response.status === 304) return { kind: "unchanged" };
    if (response.status === 409) {
      await response.body?.cancel();
      return { kind: "skipped", reason: "the runtime's workspace was never restored" };
    }
    if (response.status === 413) {
      const over = (await response.json()) as { bytes: number };
      return { kind: "too_large", bytes: over.bytes, maxBytes };
    }
    const length = Number(response.headers.get("content-length"));
    if (!response.ok || !response.body || !Number.isFinite(length)) {
      await response.body?.cancel();
      return { kind: "failed", reason: `the runtime's workspace endpoint answered HTTP ${response.status}` };
    }
    const fingerprint = response.headers.get("etag") ?? "";
    const bytes = Number(response.headers.get("x-workspace-bytes") ?? 0);
    try {
      // Streamed, never buffered in the object: R2 takes a body of known length.
      const { readable, writable } = new FixedLengthStream(length);
      const copied = response.body.pipeTo(writable);
      await Promise.all([
        this.bucket.put(this.key, readable, {
          httpMetadata: { contentType: "application/gzip" },
          customMetadata: { fingerprint, bytes: String(bytes) },
        }),
        copied,
      ]);
    } catch (err) {
      return { kind: "failed", reason: `the workspace could not be stored (${errorText(err)})` };
    }
    this.kv.put(FINGERPRINT_KEY, fingerprint);
    return { kind: "saved", bytes, archiveBytes: length };
  }

  /** Deletes the saved workspace (the session is deleted). */
  async delete(): Promise<void> {
    this.kv.delete(FINGERPRINT_KEY);
    await this.bucket?.delete(this.key);
  }

  private async call<T>(
    runtime: AgentRuntime,
    token: string,
    method: string,
    path: string,
    init: { headers?: Headers; body?: ReadableStream | null } = {},
  ): Promise<T> {
    const headers = new Headers(init.headers);
    headers.set("authorization", `Bearer ${token}`);
    const response = await runtime.fetch(
      WORKSPACE_PORT,
      new Request(`${ORIGIN}${path}`, { method, headers, body: init.body ?? null }),
    );
    const text = await response.text();
    if (!response.ok)
      throw new Error(`workspace ${method} ${path}: HTTP ${response.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }
}

/**
 * The `session.error` a save that did not happen is reported with, or null when there is nothing
 * to tell (saved, unchanged, or nothing to save from). Logged either way.
 */
export function workspaceSaveError(
  sessionId: string,
  result: WorkspaceSave,
): SessionEventBodyOf<"session.error"> | null {
  if (result.kind === "saved") {
    log("debug", "workspace saved", {
      session_id: sessionId,
      bytes: result.bytes,
      archive_bytes: result.archiveBytes,
    });
  }
  if (result.kind === "skipped")
    log("debug", "workspace not saved", { session_id: sessionId, reason: result.reason });
  if (result.kind === "too_large") {
    const message =
      `The workspace holds ${mb(result.bytes)} MB, over this environment's cap of ${mb(result.maxBytes)} MB ` +
      "(config.workspace_max_mb): it was not saved. Files changed since the last save will be lost when the " +
      "runtime stops (idle sleep, a crash, a deploy). Remove files to get under the cap, or raise the cap.";
    return sessionError("unknown_error", message, "exhausted", { error_code: "workspace_too_large" });
  }
  if (result.kind === "failed") {
    log("warn", "workspace save failed", { session_id: sessionId, reason: result.reason });
    const message = `The workspace could not be saved: ${result.reason}. The next turn tries again.`;
    return sessionError("unknown_error", message, "exhausted", { error_code: "workspace_unavailable" });
  }
  return null;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));
const mb = (bytes: number) => (bytes / 1_000_000).toFixed(1);
