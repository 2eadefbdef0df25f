// Slack Web API double (https://docs.slack.dev/reference/methods), one place for every test.
// `POST /api/<method>` with `Authorization: Bearer <bot token>` (the account) and a JSON body.
// Like Slack, failures are mostly HTTP 200 with `{ok:false, error}`: an unregistered token is
// `invalid_auth`. Covered: auth.test, chat.postMessage (channel required; text or blocks;
// `msg_too_long` past 40,000 characters; ≤ 50 blocks; buttons' value ≤ 2000 and action_id ≤ 255).
// Faults: 429 with `Retry-After` and `{ok:false,error:"ratelimited"}`, 5xx.

import { startDoubleServer } from "./chat-double-server.mjs";

export async function startSlackDouble() {
  let ts = 1_700_000_000;
  return startDoubleServer({
    accountOf(path, headers) {
      const m = /^\/api\/([a-zA-Z.]+)$/.exec(path);
      const token = /^Bearer (.+)$/.exec(headers.authorization ?? "")?.[1];
      return m ? { account: token ?? "", method: m[1] } : undefined;
    },
    faultBody(status) {
      return status === 429 ? { ok: false, error: "ratelimited" } : { ok: false, error: "internal_error" };
    },
    route({ body, state, target }) {
      if (!target) return undefined;
      const app = state.accounts.get(target.account);
      const answer = (json) => ({ status: 200, json });
      if (!app) return answer({ ok: false, error: target.account ? "invalid_auth" : "not_authed" });
      const p = body ?? {};
      switch (target.method) {
        case "auth.test":
          return answer({
            ok: true,
            url: "https://test.slack.com/",
            team: "Test",
            user: "clawbot",
            team_id: app.teamId,
            user_id: app.botUserId,
            bot_id: app.botId,
          });
        case "chat.postMessage": {
          if (!p.channel) return answer({ ok: false, error: "channel_not_found" });
          if (!p.text && !p.blocks) return answer({ ok: false, error: "no_text" });
          if ((p.text ?? "").length > 40_000) return answer({ ok: false, error: "msg_too_long" });
          if ((p.blocks ?? []).length > 50) return answer({ ok: false, error: "invalid_blocks" });
          for (const block of p.blocks ?? []) {
            for (const el of block.elements ?? []) {
              if ((el.value ?? "").length > 2000 || (el.action_id ?? "").length > 255)
                return answer({ ok: false, error: "invalid_blocks" });
            }
          }
          const msgTs = `${++ts}.000100`;
          return answer({
            ok: true,
            channel: p.channel,
            ts: msgTs,
            message: { type: "message", text: p.text, ts: msgTs, thread_ts: p.thread_ts },
          });
        }
        default:
          return answer({ ok: false, error: "unknown_method" });
      }
    },
  });
}
