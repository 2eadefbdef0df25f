/** User events as the session accepts them (validated by src/schemas/session-events.ts). */

export type ContentBlock = { type: string } & Record<string, unknown>;

export type UserEventInput =
  | { type: "user.message"; content: ContentBlock[] }
  | { type: "user.interrupt"; session_thread_id?: string }
  | { type: "user.tool_confirmation"; tool_use_id: string; result: "allow" | "deny"; deny_message?: string }
  | {
      type: "user.custom_tool_result";
      custom_tool_use_id: string;
      content?: ContentBlock[];
      is_error?: boolean;
    };
