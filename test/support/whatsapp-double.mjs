// WhatsApp Cloud API double (Meta Graph: `POST /<version>/<phone-number-id>/messages`), one
// place for every test. The account is the phone number id; the token registered with it
// must come as `Authorization: Bearer` (else 401 with Graph's OAuthException, code 190).
// Covered: text messages (body 1-4096), interactive reply buttons (1-3 buttons, titles ≤ 20,
// ids ≤ 256, body ≤ 1024), read receipts with the typing indicator. Answers
// `{messaging_product, contacts:[{input, wa_id}], messages:[{id}]}` or `{success:true}`.
// Faults: 429 (Graph code 130429, rate limit hit), 5xx.

import { startDoubleServer } from "./chat-double-server.mjs";

const graphError = (status, code, message) => ({
  status,
  json: { error: { message, type: "OAuthException", code, fbtrace_id: "AbCdEf" } },
});

export async function startWhatsAppDouble() {
  let seq = 0;
  return startDoubleServer({
    accountOf(path) {
      const m = /^\/v[0-9.]+\/([0-9]+)\/messages$/.exec(path);
      return m ? { account: m[1], method: "messages" } : undefined;
    },
    faultBody(status) {
      return status === 429
        ? {
            error: {
              message: "(#130429) Rate limit hit",
              type: "OAuthException",
              code: 130429,
              fbtrace_id: "x",
            },
          }
        : {
            error: {
              message: "An unexpected error has occurred.",
              type: "OAuthException",
              code: 2,
              fbtrace_id: "x",
            },
          };
    },
    route({ body, headers, state, target }) {
      if (!target) return undefined;
      const number = state.accounts.get(target.account);
      if (!number || headers.authorization !== `Bearer ${number.token}`)
        return graphError(401, 190, "Invalid OAuth access token.");
      const p = body ?? {};
      if (p.messaging_product !== "whatsapp")
        return graphError(400, 100, "(#100) The parameter messaging_product is required.");
      if (p.status === "read") {
        if (!p.message_id) return graphError(400, 100, "(#100) The parameter message_id is required.");
        return { status: 200, json: { success: true } };
      }
      if (!p.to) return graphError(400, 100, "(#100) The parameter to is required.");
      if (p.type === "text") {
        const text = p.text?.body ?? "";
        if (text.length === 0 || text.length > 4096)
          return graphError(400, 100, "(#100) Param text['body'] must be 1-4096 characters long.");
      } else if (p.type === "interactive") {
        const i = p.interactive ?? {};
        const buttons = i.action?.buttons ?? [];
        if (i.type !== "button" || buttons.length < 1 || buttons.length > 3)
          return graphError(400, 131009, "(#131009) Parameter value is not valid");
        if ((i.body?.text ?? "").length > 1024)
          return graphError(400, 131009, "(#131009) Parameter value is not valid");
        for (const b of buttons) {
          if (
            b.type !== "reply" ||
            !b.reply?.id ||
            b.reply.id.length > 256 ||
            !b.reply.title ||
            b.reply.title.length > 20
          )
            return graphError(400, 131009, "(#131009) Parameter value is not valid");
        }
      } else return graphError(400, 100, "(#100) Unsupported message type.");
      return {
        status: 200,
        json: {
          messaging_product: "whatsapp",
          contacts: [{ input: p.to, wa_id: p.to }],
          messages: [{ id: `wamid.OUT${++seq}` }],
        },
      };
    },
  });
}
