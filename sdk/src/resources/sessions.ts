/** `client.sessions` and `client.sessions.events`: sessions running agents, and their events. */
import type { RequestOptions } from "../core/http.js";
import type { Page } from "../core/pagination.js";
import { EventStream, type StreamOptions } from "../core/stream.js";
import type {
  EventListParams,
  SendEventsParams,
  Session,
  SessionCreateParams,
  SessionDeleted,
  SessionEvent,
  SessionListParams,
  SessionThread,
  SessionUpdateParams,
  StreamEvent,
  ThreadListParams,
} from "../types.js";
import { Resource, seg } from "./resource.js";

/** A session's events: send user events, list history, stream live. */
export class SessionEvents extends Resource {
  /**
   * Sends user events (`user.message`, `user.interrupt`). Returns at once with the events
   * echoed; messages queue durably and run in order. Open a stream first to see the reply.
   */
  async send(sessionId: string, body: SendEventsParams, options?: RequestOptions): Promise<SessionEvent[]> {
    const res = await this.http.json<{ data: SessionEvent[] }>({
      method: "POST",
      path: `/v1/sessions/${seg(sessionId)}/events`,
      body,
      options,
    });
    return res.data;
  }

  /** Lists stored events, oldest first by default (server default page size 1000). */
  list(
    sessionId: string,
    params: EventListParams = {},
    options?: RequestOptions,
  ): Promise<Page<SessionEvent>> {
    return this.paginate(`/v1/sessions/${seg(sessionId)}/events`, params, options);
  }

  /**
   * Opens the live event stream (resolves once connected). Iterate it with `for await`; it
   * reconnects with `Last-Event-ID` after a drop and ends on `session.deleted`, `break`,
   * `close()` or `signal`.
   */
  stream(sessionId: string, options: StreamOptions = {}): Promise<EventStream> {
    return EventStream.open(this.http, sessionId, options);
  }
}

/**
 * A session's threads: the primary thread and one per sub-agent its agent spawned. The parent's
 * stream (`sessions.events.stream`) carries each child's lifecycle; a child's own work is in
 * its thread's events.
 */
export class SessionThreads extends Resource {
  /** Lists the threads, oldest first (the primary thread first). */
  list(
    sessionId: string,
    params: ThreadListParams = {},
    options?: RequestOptions,
  ): Promise<Page<SessionThread>> {
    return this.paginate(`/v1/sessions/${seg(sessionId)}/threads`, params, options);
  }

  retrieve(sessionId: string, threadId: string, options?: RequestOptions): Promise<SessionThread> {
    return this.http.json({
      method: "GET",
      path: `/v1/sessions/${seg(sessionId)}/threads/${seg(threadId)}`,
      options,
    });
  }

  /** Archives a child thread: its run stops and it ends terminated. */
  archive(sessionId: string, threadId: string, options?: RequestOptions): Promise<SessionThread> {
    return this.http.json({
      method: "POST",
      path: `/v1/sessions/${seg(sessionId)}/threads/${seg(threadId)}/archive`,
      options,
    });
  }

  /** Lists one thread's stored events, oldest first by default. */
  events(
    sessionId: string,
    threadId: string,
    params: EventListParams = {},
    options?: RequestOptions,
  ): Promise<Page<SessionEvent>> {
    return this.paginate(`/v1/sessions/${seg(sessionId)}/threads/${seg(threadId)}/events`, params, options);
  }

  /** Opens one thread's live stream; it resumes with `Last-Event-ID` after a drop. */
  stream(sessionId: string, threadId: string, options: StreamOptions = {}): Promise<EventStream> {
    return EventStream.openTarget<StreamEvent>(
      this.http,
      {
        path: `/v1/sessions/${seg(sessionId)}/threads/${seg(threadId)}/stream`,
        query: { "event_deltas[]": options.eventDeltas },
        isLast: (event) => event.type === "session.deleted",
      },
      options,
    );
  }
}

export class Sessions extends Resource {
  readonly events = new SessionEvents(this.http);
  readonly threads = new SessionThreads(this.http);

  /** Creates a session of an agent (latest version, pinned, or with overrides) in an environment. */
  create(body: SessionCreateParams, options?: RequestOptions): Promise<Session> {
    return this.http.json({ method: "POST", path: "/v1/sessions", body, options });
  }

  /** Retrieves a session with its live status and usage. */
  retrieve(sessionId: string, options?: RequestOptions): Promise<Session> {
    return this.http.json({ method: "GET", path: `/v1/sessions/${seg(sessionId)}`, options });
  }

  /** Updates title and metadata (metadata is a patch: `null` deletes a key). */
  update(sessionId: string, body: SessionUpdateParams, options?: RequestOptions): Promise<Session> {
    return this.http.json({ method: "POST", path: `/v1/sessions/${seg(sessionId)}`, body, options });
  }

  /** Archives a session: its runtime stops and it accepts no more events. */
  archive(sessionId: string, options?: RequestOptions): Promise<Session> {
    return this.http.json({ method: "POST", path: `/v1/sessions/${seg(sessionId)}/archive`, options });
  }

  /** Deletes a session, its runtime and its events; open streams receive `session.deleted`. */
  delete(sessionId: string, options?: RequestOptions): Promise<SessionDeleted> {
    return this.http.json({ method: "DELETE", path: `/v1/sessions/${seg(sessionId)}`, options });
  }

  /** Lists sessions, newest first; filter by `agent_id`, `statuses[]`, creation time. */
  list(params: SessionListParams = {}, options?: RequestOptions): Promise<Page<Session>> {
    return this.paginate("/v1/sessions", params, options);
  }
}
