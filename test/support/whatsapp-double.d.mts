import type { DoubleServer } from "./chat-double-server.mjs";
export function startWhatsAppDouble(): Promise<DoubleServer>;
