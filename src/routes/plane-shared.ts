/** Pieces the `/v1/planes` route modules share. */
import { z } from "@hono/zod-openapi";

export const PlaneParam = z.object({
  plane: z
    .string()
    .min(1)
    .max(128)
    .openapi({
      param: { name: "plane", in: "path" },
      description: "Plane id or name",
      example: "acme-agents",
    }),
});

export const MemberParams = PlaneParam.extend({
  member: z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name: "member", in: "path" }, description: "Member id or name", example: "alice" }),
});

export const RolloutParams = PlaneParam.extend({
  rollout: z
    .string()
    .min(1)
    .max(128)
    .openapi({ param: { name: "rollout", in: "path" }, example: "prol_011CZkZ9X2dpNyB7HsEFoRfW" }),
});

export const tags = ["planes"];

/**
 * Every plane route's access: org admins (the `admin` scope) and plane admin tokens, which the
 * handlers confine to their own plane (`visiblePlane`, src/planes/access.ts). Never members.
 */
export const planeAccess = { scope: "admin", planeAdmin: true } as const;
