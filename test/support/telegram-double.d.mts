import type { DoubleServer } from "./chat-double-server.mjs";
export function telegramHtmlText(html: string): { text?: string; error?: string };
export function startTelegramDouble(): Promise<DoubleServer>;
