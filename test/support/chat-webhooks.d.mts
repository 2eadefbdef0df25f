export function telegramMessage(m: {
  updateId: number;
  chatId: number;
  userId: number;
  text: string;
  chatType?: string;
  entities?: unknown[];
  replyToBotId?: number;
}): Record<string, any>;
export function telegramPress(p: {
  updateId: number;
  chatId: number;
  userId: number;
  data: string | undefined;
}): Record<string, any>;
export function slackSignature(
  signingSecret: string,
  body: string,
  timestamp?: number,
): Promise<Record<string, string>>;
export function whatsappSignature(appSecret: string, body: string): Promise<Record<string, string>>;
