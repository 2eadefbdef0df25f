/**
 * `/v1/planes/{plane}/members…` — add an agent for a member (provisions agent, environment,
 * vault and the member token), list, retrieve, rotate the token, remove, and read the member's
 * logs (redacted; `?follow=true` streams them). Org admins and the plane's admin.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { appendAudit } from "../db/audit";
import { createDb } from "../db/client";
import { validationHook } from "../middleware/validation";
import { visiblePlane } from "../planes/access";
import { followMemberLogs, memberLogPage } from "../planes/logs";
import {
  addMember,
  getMember,
  listMembers,
  memberToWire,
  removeMember,
  rotateMemberToken,
} from "../planes/members";
import { redactorForVault } from "../planes/redact";
import { mintedTokenToWire } from "../planes/tokens";
import { COMMON_ERRORS, CONFLICT_ERROR, pageOf, SSE_STREAM } from "../schemas/common";
import {
  LogItemSchema,
  LogsQuerySchema,
  MemberCreateSchema,
  MemberListQuerySchema,
  MemberRemovedSchema,
  MemberSchema,
  PlaneTokenSchema,
} from "../schemas/planes";
import { defineRoute, jsonBody, jsonResponse } from "./define-route";
import { MemberParams, PlaneParam, planeAccess, tags } from "./plane-shared";

export const planeMemberRoutes = new OpenAPIHono<AppEnv>({ defaultHook: validationHook });

planeMemberRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{plane}/members",
    tags,
    summary: "Add an agent for a member: own agent, environment, vault, and a member token (shown once)",
    ...planeAccess,
    audit: "plane.member.add",
    request: { params: PlaneParam, body: jsonBody(MemberCreateSchema) },
    responses: {
      201: jsonResponse(MemberSchema, "The member, with `token`"),
      ...COMMON_ERRORS,
      ...CONFLICT_ERROR,
    },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const principal = c.get("principal");
    const plane = await visiblePlane(db, principal, c.req.valid("param").plane);
    c.set("auditPlane", plane.id);
    const { row, token } = await addMember(db, plane, c.req.valid("json"), principal.id, Date.now());
    c.set("auditTarget", row.id);
    return c.json(memberToWire(row, token), 201);
  },
);

planeMemberRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{plane}/members",
    tags,
    summary: "List a plane's members, oldest first (`include_removed=true` for removed ones too)",
    ...planeAccess,
    audit: false,
    request: { params: PlaneParam, query: MemberListQuerySchema },
    responses: { 200: jsonResponse(pageOf(MemberSchema), "A page of members"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const plane = await visiblePlane(db, c.get("principal"), c.req.valid("param").plane);
    const q = c.req.valid("query");
    const page = await listMembers(db, plane, {
      limit: q.limit,
      page: q.page,
      includeRemoved: q.include_removed,
    });
    return c.json({ data: page.data.map((m) => memberToWire(m)), next_page: page.next_page }, 200);
  },
);

planeMemberRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{plane}/members/{member}",
    tags,
    summary: "Retrieve a member (by id or name)",
    ...planeAccess,
    audit: false,
    request: { params: MemberParams },
    responses: { 200: jsonResponse(MemberSchema, "The member"), ...COMMON_ERRORS },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const { plane: planeRef, member: memberRef } = c.req.valid("param");
    const plane = await visiblePlane(db, c.get("principal"), planeRef);
    return c.json(memberToWire(await getMember(db, plane, memberRef)), 200);
  },
);

planeMemberRoutes.openapi(
  defineRoute({
    method: "delete",
    path: "/{plane}/members/{member}",
    tags,
    summary:
      "Remove a member: sessions ended (runtimes destroyed), secrets deleted, tokens revoked; audit kept",
    ...planeAccess,
    audit: "plane.member.remove",
    request: { params: MemberParams },
    responses: { 200: jsonResponse(MemberRemovedSchema, "Removed"), ...COMMON_ERRORS, ...CONFLICT_ERROR },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const { plane: planeRef, member: memberRef } = c.req.valid("param");
    const plane = await visiblePlane(db, c.get("principal"), planeRef);
    c.set("auditPlane", plane.id);
    const member = await getMember(db, plane, memberRef);
    c.set("auditTarget", member.id);
    const { sessionsEnded } = await removeMember(db, c.env, member, Date.now());
    return c.json(
      { type: "plane_member_removed" as const, id: member.id, sessions_ended: sessionsEnded },
      200,
    );
  },
);

planeMemberRoutes.openapi(
  defineRoute({
    method: "post",
    path: "/{plane}/members/{member}/token",
    tags,
    summary: "Rotate a member's token: a new one (shown once); the old ones stop working",
    ...planeAccess,
    audit: "plane.member.token.rotate",
    request: { params: MemberParams },
    responses: { 201: jsonResponse(PlaneTokenSchema, "The new token"), ...COMMON_ERRORS, ...CONFLICT_ERROR },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const principal = c.get("principal");
    const { plane: planeRef, member: memberRef } = c.req.valid("param");
    const plane = await visiblePlane(db, principal, planeRef);
    c.set("auditPlane", plane.id);
    const member = await getMember(db, plane, memberRef);
    c.set("auditTarget", member.id);
    const now = Date.now();
    const token = await rotateMemberToken(db, member, principal.id, now);
    return c.json(mintedTokenToWire(token, plane.id, member.id, now), 201);
  },
);

planeMemberRoutes.openapi(
  defineRoute({
    method: "get",
    path: "/{plane}/members/{member}/logs",
    tags,
    summary:
      "A member's session events and runtime log lines, secrets redacted; `follow=true` streams them live (SSE, `event: log`, resumable with `Last-Event-ID`)",
    ...planeAccess,
    // Not the audit layer's: the handler records each successful read itself, `read` or `follow`.
    audit: false,
    request: { params: MemberParams, query: LogsQuerySchema },
    responses: {
      200: {
        description: "A page of log items, or with follow=true server-sent events (`event: log`)",
        content: {
          "application/json": { schema: pageOf(LogItemSchema) },
          "text/event-stream": { schema: SSE_STREAM },
        },
      },
      ...COMMON_ERRORS,
    },
  }),
  async (c) => {
    const db = createDb(c.env.DB);
    const principal = c.get("principal");
    const { plane: planeRef, member: memberRef } = c.req.valid("param");
    const plane = await visiblePlane(db, principal, planeRef);
    const member = await getMember(db, plane, memberRef);
    const q = c.req.valid("query");
    // Reading someone's logs is oversight worth recording, though it changes nothing.
    await appendAudit(db, {
      at: Date.now(),
      requestId: c.get("requestId"),
      actorType: principal.kind,
      actorId: principal.id,
      action: q.follow ? "plane.member.logs.follow" : "plane.member.logs.read",
      target: member.id,
      outcome: "success",
      status: 200,
      errorCode: null,
      planeId: plane.id,
    });
    const redact = await redactorForVault(db, c.env, member.vaultId);
    if (q.follow) {
      const lastEventId = c.req.header("last-event-id") ?? q.last_event_id ?? null;
      return followMemberLogs(db, c.env, member, redact, c.req.raw.signal, lastEventId) as never;
    }
    return c.json(
      (await memberLogPage(db, c.env, member, redact, { limit: q.limit, page: q.page })) as never,
      200,
    );
  },
);
