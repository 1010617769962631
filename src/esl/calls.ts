/**
 * Request/reply plumbing shared by the inbound client and outbound sessions.
 *
 * modesl matches replies to commands by order only: one FIFO of callbacks for
 * command/reply, one for api/response. Each write here queues exactly one
 * callback in the right FIFO before writing, so every reply reaches the caller
 * that sent its command. Each call settles exactly once: by its reply, by a
 * timeout (EslTimeoutError) or when the link goes down (EslLinkDownError).
 */
import type esl from "modesl";
import type EslEvent from "modesl/lib/esl/Event.js";
import { EslLinkDownError, EslTimeoutError } from "./errors.ts";

export type Connection = InstanceType<typeof esl.Connection>;

interface PendingCall {
  fail(err: Error): void;
}

export class PendingCalls {
  private readonly pending = new Set<PendingCall>();

  get size(): number {
    return this.pending.size;
  }

  call<T>(op: string, timeoutMs: number, begin: (ok: (value: T) => void, fail: (err: Error) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (err: Error | null, value?: T): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.pending.delete(entry);
        if (err) reject(err);
        else resolve(value as T);
      };
      const entry: PendingCall = { fail: (err) => finish(err) };
      const timer = setTimeout(() => finish(new EslTimeoutError(op, timeoutMs)), timeoutMs);
      this.pending.add(entry);
      try {
        begin(
          (value) => finish(null, value),
          (err) => finish(err),
        );
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  failAll(err: Error): void {
    const entries = [...this.pending];
    this.pending.clear();
    for (const entry of entries) entry.fail(err);
  }
}

/** Like modesl's sendRecv (one callback queued per command), but one write of exact text, body included. */
export function writeCommand(conn: Connection, text: string, onReply: (evt: EslEvent) => void): void {
  const socket = conn.socket;
  if (!socket || socket.destroyed || !socket.writable) throw new EslLinkDownError("ESL link is down", "socket closed");
  conn.cmdCallbackQueue.push(onReply);
  socket.write(text);
}

/** Like modesl's api(): one callback queued on the api/response FIFO. */
export function writeApi(conn: Connection, text: string, onResponse: (evt: EslEvent) => void): void {
  const socket = conn.socket;
  if (!socket || socket.destroyed || !socket.writable) throw new EslLinkDownError("ESL link is down", "socket closed");
  conn.apiCallbackQueue.push(onResponse);
  socket.write(text);
}

/** The Reply-Text of a command/reply. */
export function replyText(evt: EslEvent): string {
  const v = evt.getHeader("Reply-Text");
  return v === null || v === undefined ? "" : String(v);
}

/** The -ERR text of a command/reply, or null when it said +OK. */
export function replyError(evt: EslEvent): string | null {
  const reply = replyText(evt);
  return reply.startsWith("-") ? reply : null;
}

/** api bodies that report failure: "-ERR …", "-USAGE: …". */
export function isErrorText(body: string): boolean {
  return body.startsWith("-ERR") || body.startsWith("-USAGE");
}
