/**
 * Server → client frames of mod_event_socket, with the exact header order of
 * the C code. LF only (FreeSWITCH never sends CR); Content-Length counts bytes.
 */

import type { EventFormat } from "./event-serialize.ts";

/** The goodbye text of listener_run's final send_disconnect (67 bytes). */
export const GOODBYE = "Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n";

/** Sent unprompted on every inbound connection (mod_event_socket.c listener_run). */
export const AUTH_REQUEST = "Content-Type: auth/request\n\n";

export function byteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

/** `Content-Type: command/reply\nReply-Text: <text>\n[extra headers]\n`. */
export function commandReply(replyText: string, extra?: ReadonlyArray<readonly [string, string]>): string {
  let out = "Content-Type: command/reply\nReply-Text: " + replyText + "\n";
  if (extra) for (const [name, value] of extra) out += name + ": " + value + "\n";
  return out + "\n";
}

/** api/response: Content-Type then Content-Length; an empty output becomes `-ERR no reply\n` (api_exec). */
export function apiResponse(output: string): string {
  const body = output.length === 0 ? "-ERR no reply\n" : output;
  return "Content-Type: api/response\nContent-Length: " + byteLength(body) + "\n\n" + body;
}

/** Event frames put Content-Length first, then Content-Type (read_packet's hbuf). */
export function eventFrame(format: EventFormat, serialized: string): string {
  return "Content-Length: " + byteLength(serialized) + "\nContent-Type: text/event-" + format + "\n\n" + serialized;
}

/**
 * send_disconnect: a session-bound listener adds Controlled-Session-UUID and
 * Content-Disposition: disconnect before Content-Length.
 */
export function disconnectNotice(sessionUuid?: string, message: string = GOODBYE): string {
  if (sessionUuid) {
    return (
      "Content-Type: text/disconnect-notice\nControlled-Session-UUID: " +
      sessionUuid +
      "\nContent-Disposition: disconnect\nContent-Length: " +
      byteLength(message) +
      "\n\n" +
      message
    );
  }
  return "Content-Type: text/disconnect-notice\nContent-Length: " + byteLength(message) + "\n\n" + message;
}

/** The linger notice sent when the controlled channel goes down (Linger-Time -1 = until the client exits). */
export function lingerNotice(sessionUuid: string, channelName: string, lingerTime: number): string {
  return (
    "Content-Type: text/disconnect-notice\nControlled-Session-UUID: " +
    sessionUuid +
    "\nContent-Disposition: linger\nChannel-Name: " +
    channelName +
    "\nLinger-Time: " +
    lingerTime +
    "\nContent-Length: 0\n\n"
  );
}
