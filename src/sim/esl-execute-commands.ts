/**
 * The event-socket commands that act on the switch rather than on the
 * listener: `connect` (the outbound CHANNEL_DATA reply), `sendmsg`
 * (switch_ivr_parse_event: execute / hangup), `sendevent`, and `api` /
 * `bgapi` (BACKGROUND_JOB). parse_command in esl-parse-command.ts decides
 * which runs; these own what each does to channels and the event stream.
 */

import { randomUUID } from "node:crypto";
import { executeApi } from "./api-commands.ts";
import { hangupChannel, isTrue, parkChannel, pumpApplications, queueApplication } from "./call-flow.ts";
import type { Channel } from "./channel.ts";
import type { ClientCommand } from "./command-reader.ts";
import type { EslConnection } from "./esl-connection.ts";
import { nameEvent } from "./event-names.ts";
import { serializePlain } from "./event-serialize.ts";
import { apiResponse } from "./frames.ts";
import { str2cause } from "./hangup-causes.ts";
import { SITES } from "./switch-core.ts";

/** The `connect` reply: CHANNEL_DATA serialized as the reply's own header block (no Content-Length). */
export function connect(listener: EslConnection): void {
  const ch = listener.session;
  if (!ch) return;
  const ev = listener.core.newEvent("CHANNEL_DATA", SITES.CHANNEL_DATA);
  for (const x of ch.profileHeaders("Channel", true)) ev.headers.push(x);
  ch.appendChannelData(ev, true);
  ev.add("Content-Type", "command/reply")
    .add("Reply-Text", "+OK\n")
    .add("Socket-Mode", listener.async ? "async" : "static")
    .add("Control", listener.full ? "full" : "single-channel");
  listener.writeRaw(serializePlain(ev));
  if (!ch.isUp) return;
  if (listener.async) {
    // socket app, async mode: park the call once the app is connected.
    listener.core.after(0, () => {
      if (ch.isUp && ch.openApps.length > 0 && !ch.openApps[ch.openApps.length - 1]!.parked) parkChannel(listener.core, ch);
    }, ch);
  } else {
    ch.executing = true;
    pumpApplications(listener.core, ch);
  }
}

export function sendmsg(listener: EslConnection, cmd: ClientCommand, uuidArg: string, reply: (text: string) => void): Promise<void> | void {
  let uuid: string | undefined = uuidArg || cmd.headers.get("session-id");
  if (uuid && listener.session && uuid === listener.session.uuid) uuid = undefined;
  const asyncHeader = isTrue(cmd.headers.get("async"));
  let target: Channel | undefined;
  let inline = false;
  if (!uuid && listener.session) {
    target = listener.session;
    inline = !(listener.async || asyncHeader);
  } else {
    target = uuid ? listener.core.channels.get(uuid) : undefined;
    if (!target) {
      reply(`-ERR invalid session id [${uuid ?? ""}]`);
      return;
    }
  }
  if (!inline) {
    applyMessage(listener, target, cmd);
    reply("+OK");
    return;
  }
  // Static outbound: switch_ivr_parse_event runs inline; +OK only after the app finishes.
  return new Promise<void>((resolve) => {
    applyMessage(listener, target, cmd, () => {
      reply("+OK");
      resolve();
    });
  });
}

/** switch_ivr_parse_event: call-command execute | hangup (others are accepted and ignored). */
function applyMessage(listener: EslConnection, ch: Channel, cmd: ClientCommand, onComplete?: () => void): void {
  const h = cmd.headers;
  const command = (h.get("call-command") ?? "").toLowerCase();
  if (command === "execute") {
    const name = h.get("execute-app-name");
    if (!name) {
      onComplete?.();
      return;
    }
    let arg = h.get("execute-app-arg");
    // A long or multi-line argument comes as a text/plain body instead.
    if (arg === undefined && cmd.body !== undefined && (h.get("content-type") ?? "").toLowerCase().startsWith("text/plain")) {
      arg = cmd.body;
    }
    const loops = Math.max(1, Number.parseInt(h.get("loops") ?? "1", 10) || 1);
    queueApplication(listener.core, ch, {
      name,
      arg: arg ?? "",
      applicationUuid: h.get("event-uuid") ?? randomUUID(),
      loops,
      setLoopVariables: true,
      ...(onComplete ? { onComplete } : {}),
    });
    return;
  }
  if (command === "hangup") {
    const cause = str2cause(h.get("hangup-cause") ?? "") ?? "NORMAL_CLEARING";
    hangupChannel(listener.core, ch, cause);
  }
  onComplete?.();
}

export function sendevent(listener: EslConnection, cmd: ClientCommand, nameText: string): string {
  const eventUuid = randomUUID();
  const name = nameEvent(nameText) ?? "COMMAND";
  const subclass = name === "CUSTOM" ? cmd.headers.get("event-subclass") : undefined;
  const uniqueId = cmd.headers.get("unique-id");
  if (uniqueId && listener.core.channels.has(uniqueId)) {
    // Queued to that session rather than fired (switch_core_session_queue_event).
    return `+OK ${eventUuid}`;
  }
  const ev = listener.core.newEvent(name, SITES.SENDEVENT, subclass);
  if (uniqueId) ev.uniqueId = uniqueId;
  ev.add("Command", cmd.command);
  for (const [k, v] of cmd.rawHeaders) {
    if (k.toLowerCase() === "content-length" || k.toLowerCase() === "event-subclass") continue;
    ev.add(k, v);
  }
  ev.add("Event-UUID", eventUuid);
  if (cmd.body !== undefined) ev.body = cmd.body;
  listener.core.fire(ev);
  return `+OK ${eventUuid}`;
}

export function api(listener: EslConnection, text: string, suppressReply: boolean): Promise<void> | void {
  const sp = text.indexOf(" ");
  const command = sp >= 0 ? text.slice(0, sp) : text;
  const arg = sp >= 0 ? text.slice(sp + 1) : undefined;
  const out = executeApi(listener.core, command, arg);
  const send = (body: string) => {
    if (!suppressReply) listener.writeRaw(apiResponse(body));
  };
  if (typeof out === "string") {
    send(out);
    return;
  }
  // api runs in the listener's own thread: nothing else is written until it returns.
  return out.then((body) => send(body));
}

export function bgapi(listener: EslConnection, cmd: ClientCommand, text: string, reply: (text: string, extra?: ReadonlyArray<readonly [string, string]>) => void): void {
  const sp = text.indexOf(" ");
  const command = sp >= 0 ? text.slice(0, sp) : text;
  const arg = sp >= 0 ? text.slice(sp + 1) : undefined;
  const jobUuid = cmd.headers.get("job-uuid") ?? randomUUID();
  const owner = listener.session?.uuid;
  reply(`+OK Job-UUID: ${jobUuid}`, [["Job-UUID", jobUuid]]);
  // The job runs after the reply is out, like api_exec on its own thread.
  setImmediate(() => {
    const out = executeApi(listener.core, command, arg);
    Promise.resolve(out).then((body) => {
      if (!listener.core.wants("BACKGROUND_JOB", undefined, owner)) {
        listener.core.skipSequence();
        return;
      }
      const ev = listener.core.newEvent("BACKGROUND_JOB", SITES.BACKGROUND_JOB);
      ev.ownerUuid = owner;
      ev.add("Job-UUID", jobUuid);
      if (owner) ev.add("Job-Owner-UUID", owner);
      ev.add("Job-Command", command);
      if (arg !== undefined) ev.add("Job-Command-Arg", arg);
      if (body.length > 0) ev.body = body;
      listener.core.fire(ev);
    });
  });
}
