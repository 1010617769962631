/**
 * A byte-exact ESL frame reader for tests and tools: it frames what the
 * switch sends (header block up to the blank line, then Content-Length bytes)
 * without decoding anything, so tests can compare wire shapes with real
 * FreeSWITCH captures.
 */

import { connect, type Socket } from "node:net";

export interface RawFrame {
  /** Header lines in wire order, as [name, value] (value not URL-decoded). */
  headers: Array<[string, string]>;
  /** The body (Content-Length bytes), "" when none. */
  body: string;
  /** The whole frame as received. */
  raw: string;
}

export function header(frame: RawFrame, name: string): string | undefined {
  return frame.headers.find(([n]) => n === name)?.[1];
}

/** Split a text/event-plain body into its header lines (and its own body). */
export function parsePlainEvent(body: string): { headers: Array<[string, string]>; body: string } {
  const end = body.indexOf("\n\n");
  const head = end >= 0 ? body.slice(0, end) : body;
  const headers = head
    .split("\n")
    .filter(Boolean)
    .map((line): [string, string] => {
      const i = line.indexOf(": ");
      return [line.slice(0, i), line.slice(i + 2)];
    });
  return { headers, body: end >= 0 ? body.slice(end + 2) : "" };
}

export class FrameSplitter {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): RawFrame[] {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    const out: RawFrame[] = [];
    for (;;) {
      const end = this.buf.indexOf("\n\n");
      if (end < 0) break;
      const head = this.buf.subarray(0, end).toString("utf8");
      const headers = head.split("\n").map((line): [string, string] => {
        const i = line.indexOf(": ");
        return i < 0 ? [line, ""] : [line.slice(0, i), line.slice(i + 2)];
      });
      const len = Number(headers.find(([n]) => n === "Content-Length")?.[1] ?? "0");
      if (this.buf.length < end + 2 + len) break;
      const body = this.buf.subarray(end + 2, end + 2 + len).toString("utf8");
      const raw = this.buf.subarray(0, end + 2 + len).toString("utf8");
      this.buf = this.buf.subarray(end + 2 + len);
      out.push({ headers, body, raw });
    }
    return out;
  }
}

export class RawEslClient {
  readonly frames: RawFrame[] = [];
  private readonly chunks: Buffer[] = [];
  private readonly splitter = new FrameSplitter();
  private waiters: Array<() => void> = [];
  private cursor = 0;
  closed = false;
  readonly closedPromise: Promise<void>;

  constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      for (const f of this.splitter.push(chunk)) this.frames.push(f);
      this.wake();
    });
    this.closedPromise = new Promise((resolve) => {
      socket.on("close", () => {
        this.closed = true;
        this.wake();
        resolve();
      });
    });
    socket.on("error", () => undefined);
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawEslClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => resolve(new RawEslClient(socket)));
      socket.once("error", reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const fn of w) fn();
  }

  /** Everything received so far, byte for byte. */
  rawText(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** The next frame not yet consumed by next()/waitFor(). */
  async next(timeoutMs = 5000): Promise<RawFrame> {
    return this.waitFor(() => true, timeoutMs);
  }

  /** The next frame (after the cursor) that matches; frames before it are consumed. */
  async waitFor(match: (f: RawFrame) => boolean, timeoutMs = 5000): Promise<RawFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.cursor < this.frames.length) {
        const f = this.frames[this.cursor++]!;
        if (match(f)) return f;
      }
      if (this.closed) throw new Error("connection closed while waiting for a frame");
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a frame");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Wait for an event frame whose plain body has Event-Name (and optionally more) matching. */
  waitForEvent(name: string, extra?: (headers: Array<[string, string]>) => boolean, timeoutMs = 5000): Promise<RawFrame> {
    return this.waitFor((f) => {
      if (header(f, "Content-Type") !== "text/event-plain") return false;
      const ev = parsePlainEvent(f.body);
      return ev.headers[0]?.[1] === name && (!extra || extra(ev.headers));
    }, timeoutMs);
  }

  close(): void {
    this.socket.destroy();
  }
}
