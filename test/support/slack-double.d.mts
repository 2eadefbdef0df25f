import type { DoubleServer } from "./chat-double-server.mjs";
export function startSlackDouble(): Promise<DoubleServer>;
