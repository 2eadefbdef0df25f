/**
 * `clawplane sessions send <id> <text…>`: sends a message and prints the reply as it is
 * generated. The stream is opened before sending (it is live), the reply's deltas go to stdout,
 * and while the runtime boots a status line on stderr shows progress (TTY only). The command
 * ends when the session goes idle after running this message; a turn that failed exits 1.
 */
import type { Command } from "commander";
import { CliExit, type Context } from "../context.js";
import { contentText, json, packagesInstalled, packagesInstalling, runtimeReady } from "../format.js";
import { Progress } from "../progress.js";

export function registerSend(sessions: Command, ctx: Context): void {
  sessions
    .command("send")
    .description("send a message and stream the reply")
    .argument("<session-id>")
    .argument("<text...>", "the message")
    .option("--no-wait", "return once the message is queued, without streaming the reply")
    .action(async (id: string, words: string[], opts: { wait: boolean }, command: Command) => {
      const client = await ctx.client(command);
      const body = {
        events: [
          { type: "user.message" as const, content: [{ type: "text" as const, text: words.join(" ") }] },
        ],
      };
      const asJson = ctx.globals(command).json === true;
      const out = ctx.io.stdout;
      if (!opts.wait) {
        const sent = await client.sessions.events.send(id, body);
        out.write(asJson ? json(sent) : `queued ${sent[0]?.id ?? ""}\n`);
        return;
      }

      const progress = new Progress(ctx.io.stderr);
      const stream = await client.sessions.events.stream(id, {
        eventDeltas: ["agent.message"],
        signal: ctx.io.signal,
      });

      let ours = false;
      let running = false;
      let failure: string | undefined;
      let reported = false;
      let finished = false;
      let atLineStart = true;
      const streamed = new Set<string>();
      const write = (text: string) => {
        progress.clear();
        out.write(text);
        atLineStart = text.endsWith("\n");
      };
      try {
        // Inside the try: a failed send must still close the stream, or Node would not exit.
        progress.show("sending");
        const [sent] = await client.sessions.events.send(id, body);
        progress.show("waiting for the agent (a cold runtime takes 20-60 s)");
        for await (const e of stream) {
          // Events of earlier turns may still be arriving; ours start at our message's echo.
          if (!ours) {
            ours = e.type === "user.message" && e.id === sent?.id;
            if (!ours) continue;
          }
          if (asJson) out.write(`${JSON.stringify(e)}\n`);
          if (e.type === "session.status_running") {
            running = true;
            progress.show("agent working");
          } else if (e.type === "span.runtime_start") {
            progress.show("starting runtime");
          } else if (e.type === "span.runtime_ready") {
            progress.note(runtimeReady(e));
            progress.show("agent working");
          } else if (e.type === "span.packages_install_start") {
            progress.show(packagesInstalling(e));
          } else if (e.type === "span.packages_install_end") {
            progress.note(packagesInstalled(e));
            progress.show("agent working");
          } else if (e.type === "span.model_request_start") {
            progress.show("thinking");
          } else if (e.type === "agent.tool_use") {
            progress.show(`running tool ${e.name ?? ""}`);
          } else if (e.type === "agent.custom_tool_use") {
            progress.note(`custom tool call ${e.name} ${JSON.stringify(e.input)} (${e.id})`);
          } else if (e.type === "event_delta" && !asJson) {
            streamed.add(e.event_id);
            write(e.delta.content.text);
          } else if (e.type === "agent.message" && !asJson) {
            if (!streamed.has(e.id)) write(contentText(e) ?? "");
            if (!atLineStart) write("\n");
          } else if (e.type === "session.error") {
            const error = e.error;
            const retrying = error?.retry_status?.type === "retrying";
            if (!retrying) failure = error?.message ?? "the turn failed";
            progress.clear();
            ctx.io.stderr.write(`${retrying ? "retrying" : "error"}: ${error?.message ?? ""}\n`);
            reported = !retrying;
          } else if (e.type === "session.status_idle" && running) {
            const stop = e.stop_reason;
            if (stop?.type === "requires_action" && !failure) {
              failure = `the turn waits for an answer to ${stop.event_ids.join(", ")}`;
            } else if (stop?.type !== "end_turn" && !failure) {
              failure = `the turn ended: ${stop?.type ?? "unknown"}`;
            }
            finished = true;
            break;
          }
        }
      } finally {
        progress.clear();
        stream.close();
      }
      if (!finished) throw new CliExit(130, "interrupted");
      if (failure) throw new CliExit(1, reported ? undefined : `error: ${failure}`);
    });
}
