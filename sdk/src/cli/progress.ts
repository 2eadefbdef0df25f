/**
 * A one-line status on stderr while the agent's runtime boots (cold starts take 20–60 s), so a
 * human sees that something is happening. Drawn only when stderr is a terminal: redirected
 * output and scripts get no control characters.
 */
import type { Output } from "./io.js";

/** Spinner frame interval. */
const FRAME_MS = 100;
const FRAMES = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A spinner with a status text and elapsed seconds; every method is a no-op off a TTY. */
export class Progress {
  private timer: ReturnType<typeof setInterval> | undefined;
  private frame = 0;
  private startedAt = Date.now();
  private text = "";

  constructor(private readonly out: Output) {}

  /** Shows (or updates) the status line. */
  show(text: string): void {
    if (!this.out.isTTY) return;
    this.text = text;
    if (this.timer === undefined) {
      this.startedAt = Date.now();
      this.timer = setInterval(() => this.draw(), FRAME_MS);
    }
    this.draw();
  }

  /** Prints `text` as a line of its own that stays (a milestone), above the status line. */
  note(text: string): void {
    if (!this.out.isTTY) return;
    this.clear();
    this.out.write(`${text}\n`);
  }

  /** Removes the line (before printing the reply, and at the end). */
  clear(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.out.write("\r\x1b[2K");
  }

  private draw(): void {
    const seconds = Math.floor((Date.now() - this.startedAt) / 1000);
    const spinner = FRAMES[this.frame++ % FRAMES.length];
    this.out.write(`\r\x1b[2K${spinner} ${this.text} ${seconds}s`);
  }
}
