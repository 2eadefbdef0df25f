/** The agent's Markdown as each platform shows it, and long replies cut at the limits. */
import { describe, expect, it } from "vitest";
import { telegramHtmlText } from "../support/telegram-double.mjs";
import {
  formatForPlatform,
  MESSAGE_LIMIT,
  replyMessages,
  splitMarkdown,
} from "../../src/channels/chat-format";

describe("splitting", () => {
  it("cuts 10,000 characters into parts within the limit, losing nothing, at line boundaries", () => {
    const lines = Array.from(
      { length: 250 },
      (_, i) => `line ${String(i).padStart(3, "0")} ${"word ".repeat(6)}`,
    );
    const text = lines.join("\n").slice(0, 10_000);
    const parts = splitMarkdown(text, 4096);
    expect(parts.length).toBe(3);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
    expect(parts.join("\n")).toBe(text);
  });

  it("cuts one very long line at spaces, or hard when it has none", () => {
    const words = "abc ".repeat(3000).trim();
    const parts = splitMarkdown(words, 4096);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(4096);
    expect(parts.join(" ")).toBe(words);
    const solid = "x".repeat(10_000);
    const hard = splitMarkdown(solid, 4096);
    expect(hard.join("")).toBe(solid);
    for (const p of hard) expect(p.length).toBeLessThanOrEqual(4096);
  });

  it("closes a code block cut in two and reopens it in the next part", () => {
    const code = ["```ts", ...Array.from({ length: 400 }, (_, i) => `const v${i} = ${i};`), "```"].join("\n");
    const parts = splitMarkdown(code, 4096);
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(4096);
      expect(p.startsWith("```ts")).toBe(true);
      expect(p.endsWith("```")).toBe(true);
    }
  });
});

describe("formatting", () => {
  const md =
    "# Title\n**bold** and *it* and `a<b` & [docs](https://x.dev/a?b=1)\n- item\n```\nif (a < b) {}\n```";

  it("Telegram: HTML with everything else escaped", () => {
    expect(formatForPlatform(md, "telegram")).toBe(
      '<b>Title</b>\n<b>bold</b> and <i>it</i> and <code>a&lt;b</code> &amp; <a href="https://x.dev/a?b=1">docs</a>\n• item\n<pre>if (a &lt; b) {}</pre>',
    );
  });

  it("Slack: mrkdwn with &, <, > escaped", () => {
    expect(formatForPlatform(md, "slack")).toBe(
      "*Title*\n*bold* and _it_ and `a&lt;b` &amp; <https://x.dev/a?b=1|docs>\n• item\n```\nif (a &lt; b) {}\n```",
    );
  });

  it("WhatsApp: its own markers, links spelled out", () => {
    expect(formatForPlatform(md, "whatsapp")).toBe(
      "*Title*\n*bold* and _it_ and `a<b` & docs (https://x.dev/a?b=1)\n• item\n```\nif (a < b) {}\n```",
    );
  });

  it("keeps every platform's parts within its limit", () => {
    const long = "**x** & y ".repeat(1000);
    for (const platform of ["telegram", "slack", "whatsapp"] as const) {
      const parts = replyMessages(long, platform);
      expect(parts.length).toBeGreaterThan(1);
      for (const part of parts) {
        const shown = platform === "telegram" ? (telegramHtmlText(part).text ?? "") : part;
        expect(shown.length).toBeLessThanOrEqual(platform === "slack" ? 4000 : MESSAGE_LIMIT[platform]);
      }
    }
  });
});
