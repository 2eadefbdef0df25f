/** Reads an SSE response frame by frame, for tests that follow a session's stream. */

export interface SseFrame {
  id?: string;
  event?: string;
  data: any;
}

export class SseReader {
  private buffer = "";
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  readonly frames: SseFrame[] = [];

  constructor(res: Response) {
    if (!res.body) throw new Error("response has no body");
    this.reader = res.body.getReader();
  }

  /** Reads until `predicate` matches a frame (returned) or the deadline passes (throws). */
  async until(predicate: (f: SseFrame) => boolean, timeoutMs = 10_000): Promise<SseFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(predicate);
      if (found) return found;
      if (deadline - Date.now() <= 0)
        throw new Error(`no matching SSE frame within ${timeoutMs} ms; saw ${this.seen()}`);
      if (!(await this.readChunk(deadline))) throw new Error(`stream ended; saw ${this.seen()}`);
    }
  }

  /** Reads until the stream ends (returns every frame seen) or the deadline passes (throws). */
  async toEnd(timeoutMs = 10_000): Promise<SseFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (await this.readChunk(deadline));
    return this.frames;
  }

  async close(): Promise<void> {
    await this.reader.cancel().catch(() => undefined);
  }

  /** Reads and parses one chunk; false once the stream has ended. Throws at the deadline. */
  private async readChunk(deadline: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const chunk = await Promise.race([
      this.reader.read(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`SSE read timed out; saw ${this.seen()}`)),
          Math.max(0, deadline - Date.now()),
        );
      }),
    ]).finally(() => timer !== null && clearTimeout(timer));
    if (chunk.done) return false;
    this.buffer += this.decoder.decode(chunk.value, { stream: true });
    this.parse();
    return true;
  }

  private seen(): string {
    return this.frames.map((f) => f.event).join(", ");
  }

  private parse(): void {
    for (let end = this.buffer.indexOf("\n\n"); end >= 0; end = this.buffer.indexOf("\n\n")) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const frame: SseFrame = { data: undefined };
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        const i = line.indexOf(":");
        const field = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
        if (field === "id") frame.id = value;
        else if (field === "event") frame.event = value;
        else if (field === "data") data.push(value);
      }
      if (data.length === 0 && !frame.event) continue;
      frame.data = data.length ? JSON.parse(data.join("\n")) : undefined;
      this.frames.push(frame);
    }
  }
}
