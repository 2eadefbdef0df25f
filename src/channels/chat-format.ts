/**
 * The agent's Markdown as each platform shows it, cut into messages the platform accepts.
 *
 * Splitting happens on the Markdown, before conversion, at paragraph, then line, then word
 * boundaries; a fenced code block cut in two is closed at the end of one part and reopened at
 * the start of the next, so every part renders on its own. Conversion never makes the visible
 * text longer (markup is removed or replaced by entities that count as one character), so a
 * part within the limit stays within it:
 *
 * - Telegram: HTML parse mode (`<b>`, `<i>`, `<s>`, `<code>`, `<pre>`, `<a href>`), everything
 *   else escaped (`&`, `<`, `>`) — the least fragile of its two markups for model output.
 * - Slack: mrkdwn (`*bold*`, `_italic_`, `~strike~`, `<url|label>`), `&`, `<`, `>` escaped.
 *   Escapes lengthen the raw text, so Slack parts are cut well below its 40,000 hard limit.
 * - WhatsApp: `*bold*`, `_italic_`, `~strike~`, ``` blocks; links as `label (url)`.
 */

export type FormatPlatform = "telegram" | "slack" | "whatsapp";

/** Longest part sent as one message, in characters of Markdown. */
export const MESSAGE_LIMIT: Record<FormatPlatform, number> = {
  telegram: 4096, // sendMessage text: 1-4096 characters after entity parsing
  slack: 3500, // below the 4,000 Slack advises, leaving room for &amp; escapes
  whatsapp: 4096, // text.body
};

const FENCE = /^```/;

/** Splits Markdown into parts of at most `limit` characters, keeping code fences balanced. */
export function splitMarkdown(text: string, limit: number): string[] {
  const parts: string[] = [];
  let lines: string[] = [];
  let fence: string | undefined; // the opening line of a code block still open at the end of `lines`
  const closing = () => (fence ? "\n```" : "");
  // Only a reopened fence line is not content worth a message of its own.
  const hasContent = () => lines.some((l, i) => l.trim() !== "" && !(i === 0 && fence && l === fence));
  const flush = () => {
    if (hasContent()) parts.push(lines.join("\n") + closing());
    lines = fence ? [fence] : [];
  };
  // A line longer than any part is cut first; the margin leaves room for a reopened fence.
  const pieceLimit = Math.max(limit - 300, Math.floor(limit / 2));
  for (const line of text.split("\n")) {
    for (const piece of cutLine(line, pieceLimit)) {
      const grown = (lines.length > 0 ? lines.join("\n").length + 1 : 0) + piece.length + closing().length;
      if (grown > limit && hasContent()) flush();
      lines.push(piece);
    }
    if (FENCE.test(line.trim())) fence = fence ? undefined : line.trim();
  }
  if (hasContent()) parts.push(lines.join("\n") + closing());
  return parts;
}

function cutLine(line: string, size: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > size) {
    let at = rest.lastIndexOf(" ", size);
    if (at < size / 2) at = size;
    out.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^ /, "");
  }
  if (rest || out.length === 0) out.push(rest);
  return out;
}

const escapeHtml = (s: string) => s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
const escapeSlack = escapeHtml;

/** Inline Markdown → the platform's markup, code spans left literal. */
function inline(text: string, platform: FormatPlatform): string {
  const pieces = text.split(/(`[^`\n]+`)/);
  return pieces
    .map((piece, i) => {
      const code = i % 2 === 1;
      if (platform === "telegram") {
        if (code) return `<code>${escapeHtml(piece.slice(1, -1))}</code>`;
        return escapeHtml(piece)
          .replace(
            /\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g,
            (_m, label, url) => `<a href="${url.replaceAll('"', "&quot;")}">${label}</a>`,
          )
          .replace(/\*\*([^*\n]+)\*\*/g, "<b>$1</b>")
          .replace(/__([^_\n]+)__/g, "<b>$1</b>")
          .replace(/(^|[^\w*])\*([^*\n]+)\*(?!\w)/g, "$1<i>$2</i>")
          .replace(/(^|[^\w_])_([^_\n]+)_(?!\w)/g, "$1<i>$2</i>")
          .replace(/~~([^~\n]+)~~/g, "<s>$1</s>");
      }
      if (code) return platform === "slack" ? escapeSlack(piece) : piece;
      const base = platform === "slack" ? escapeSlack(piece) : piece;
      const links =
        platform === "slack"
          ? base.replace(/\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g, "<$2|$1>")
          : base.replace(/\[([^\]\n]+)\]\((https?:\/\/[^)\s]+)\)/g, "$1 ($2)");
      return links
        .replace(/(^|[^\w*])\*([^*\n]+)\*(?!\w)/g, "$1_$2_")
        .replace(/\*\*([^*\n]+)\*\*/g, "*$1*")
        .replace(/__([^_\n]+)__/g, "*$1*")
        .replace(/~~([^~\n]+)~~/g, "~$1~");
    })
    .join("");
}

/** One part of Markdown (as `splitMarkdown` returns it) in the platform's markup. */
export function formatForPlatform(markdown: string, platform: FormatPlatform): string {
  const out: string[] = [];
  let inCode = false;
  let code: string[] = [];
  for (const line of markdown.split("\n")) {
    if (FENCE.test(line.trim())) {
      if (inCode) {
        const body = code.join("\n");
        out.push(
          platform === "telegram"
            ? `<pre>${escapeHtml(body)}</pre>`
            : `\`\`\`\n${platform === "slack" ? escapeSlack(body) : body}\n\`\`\``,
        );
        code = [];
      }
      inCode = !inCode;
      continue;
    }
    if (inCode) {
      code.push(line);
      continue;
    }
    const heading = /^#{1,6}\s+(.*)$/.exec(line);
    if (heading) {
      const title = inline(heading[1] ?? "", platform);
      out.push(platform === "telegram" ? `<b>${title}</b>` : `*${title}*`);
      continue;
    }
    const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
    if (bullet) {
      out.push(`${bullet[1]}• ${inline(bullet[2] ?? "", platform)}`);
      continue;
    }
    out.push(inline(line, platform));
  }
  if (inCode)
    out.push(
      platform === "telegram"
        ? `<pre>${escapeHtml(code.join("\n"))}</pre>`
        : `\`\`\`\n${code.join("\n")}\n\`\`\``,
    );
  return out.join("\n");
}

/**
 * Longest message as sent, where markup can make it longer than its Markdown: Slack's escapes.
 * (Telegram counts text after entity parsing, which never exceeds the Markdown's length.)
 */
const SENT_LIMIT: Record<FormatPlatform, number> = {
  telegram: Number.POSITIVE_INFINITY,
  slack: 4000,
  whatsapp: 4096,
};

/** The agent's reply as the messages to send, in order. */
export function replyMessages(
  markdown: string,
  platform: FormatPlatform,
  limit = MESSAGE_LIMIT[platform],
): string[] {
  return splitMarkdown(markdown, limit).flatMap((part) => {
    const sent = formatForPlatform(part, platform);
    if (sent.length <= SENT_LIMIT[platform] || limit < 400) return [sent];
    // Escapes made it too long: cut this part smaller, in proportion.
    return replyMessages(part, platform, Math.floor((limit * SENT_LIMIT[platform] * 0.95) / sent.length));
  });
}
