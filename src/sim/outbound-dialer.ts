/**
 * Inbound calls delivered the way FreeSWITCH's dialplan `socket` application
 * delivers them: an inbound sofia channel is created (CHANNEL_CREATE etc. go
 * to every inbound listener too), the socket app dials the runtime's
 * outbound-socket server, and the scripted caller does its part.
 */

import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";
import { closeContainers, hangupChannel, setRunningState, startContainer } from "./call-flow.ts";
import { Channel } from "./channel.ts";
import { EslConnection } from "./esl-connection.ts";
import { scheduleFarEnd } from "./originate.ts";
import { type CallerBehaviour, type CallerBehaviourInput, CallerBehaviourSchema, callerFor } from "./scenario.ts";
import { SITES, type SwitchCore } from "./switch-core.ts";

export interface InboundCallOptions {
  /** Caller-ID number of the caller. */
  from: string;
  fromName?: string;
  /** The dialled number (Caller-Destination-Number). */
  to: string;
  /** Where the dialplan's socket application connects. */
  socket: { host: string; port: number };
  /** The socket app's flags as in the dialplan: "async full" (default), "async", "full", or "" (static). */
  mode?: string;
  /** What the caller does; default: the scenario's caller rule for `to`. */
  script?: CallerBehaviourInput;
  /** Extra channel variables. */
  variables?: Record<string, string>;
  /** Pre-set the channel UUID. */
  uuid?: string;
}

/**
 * Create the inbound channel, run the socket app, and resolve with the
 * channel UUID once the TCP connection to the app is up (rejects when the
 * app cannot be reached; the call then ends as the dialplan would).
 */
export function placeInboundCall(
  core: SwitchCore,
  opts: InboundCallOptions,
  queueCap: number,
  register: (conn: EslConnection) => void,
  unregister: (conn: EslConnection) => void,
): Promise<string> {
  const uuid = opts.uuid ?? randomUUID();
  const words = (opts.mode ?? "async full").toLowerCase().split(/\s+/);
  const isAsync = words.includes("async");
  const full = words.includes("full");
  const behaviour: CallerBehaviour = opts.script ? CallerBehaviourSchema.parse(opts.script) : callerFor(core.scenario, opts.to);
  const remoteIp = "127.0.0.1";
  const name = `sofia/internal/${opts.from}@${remoteIp}`;
  const ch = new Channel({
    uuid,
    name,
    direction: "inbound",
    sessionId: core.nextSessionId(),
    nowUs: core.nowUs(),
    profile: {
      username: opts.from,
      dialplan: "XML",
      callerIdName: opts.fromName ?? opts.from,
      callerIdNumber: opts.from,
      origCallerIdName: opts.fromName ?? opts.from,
      origCallerIdNumber: opts.from,
      calleeIdName: "",
      calleeIdNumber: "",
      networkAddr: remoteIp,
      ani: opts.from,
      destinationNumber: opts.to,
      source: "mod_sofia",
      context: "public",
    },
  });
  ch.callerScript = behaviour;
  ch.presenceId = `${opts.from}@${remoteIp}`;
  const callId = `${randomUUID()}@${remoteIp}`;
  for (const [k, v] of [
    ["direction", "inbound"],
    ["uuid", uuid],
    ["call_uuid", uuid],
    ["session_id", String(ch.sessionId)],
    ["sip_from_user", opts.from],
    ["sip_from_port", "5060"],
    ["sip_from_uri", `${opts.from}@${remoteIp}`],
    ["sip_from_host", remoteIp],
    ["channel_name", name],
    ["sip_call_id", callId],
    ["sip_local_network_addr", "127.0.0.1"],
    ["sip_network_ip", remoteIp],
    ["sip_network_port", "5060"],
    ["sip_received_ip", remoteIp],
    ["sip_received_port", "5060"],
    ["sip_via_protocol", "udp"],
    ["sip_from_user_stripped", opts.from],
    ["sofia_profile_name", "internal"],
    ["sofia_profile_url", "sip:mod_sofia@127.0.0.1:5060"],
    ["recovery_profile_name", "internal"],
    ...(opts.fromName ? [["sip_from_display", opts.fromName]] : []),
    ["sip_req_user", opts.to],
    ["sip_req_uri", `${opts.to}@127.0.0.1:5060`],
    ["sip_req_host", "127.0.0.1"],
    ["sip_to_user", opts.to],
    ["sip_to_uri", `${opts.to}@127.0.0.1:5060`],
    ["sip_to_host", "127.0.0.1"],
    ["sip_contact_user", opts.from],
    ["sip_contact_uri", `${opts.from}@${remoteIp}:5060`],
    ["sip_contact_host", remoteIp],
    ["max_forwards", "70"],
    ["presence_id", ch.presenceId],
    ["endpoint_disposition", "DELAYED NEGOTIATION"],
    ...Object.entries(opts.variables ?? {}),
  ] as Array<[string, string]>) {
    ch.setVar(k, v);
  }
  core.addChannel(ch);

  // CS_NEW carries no caller profile yet; from CS_INIT on it does.
  core.fireChannelEvent(ch, "CHANNEL_STATE", SITES.CHANNEL_STATE, { variables: false });
  ch.hasProfile = true;
  setRunningState(core, ch, "CS_INIT");
  ch.stateNumber = 2;
  core.fireChannelEvent(ch, "CHANNEL_CREATE", SITES.CHANNEL_CREATE, { variables: true });
  setRunningState(core, ch, "CS_ROUTING");
  setRunningState(core, ch, "CS_EXECUTE");

  ch.extensionStarted = true;
  const socketArg = `${opts.socket.host}:${opts.socket.port}${opts.mode === undefined ? " async full" : opts.mode ? " " + opts.mode : ""}`;
  startContainer(core, ch, "socket", socketArg, randomUUID(), false, true);
  ch.setVar("socket_host", opts.socket.host);

  if (behaviour.hangupAfterMs !== undefined) {
    core.after(behaviour.hangupAfterMs, () => hangupChannel(core, ch, behaviour.hangupCause), ch);
  }
  ch.answerHooks.push(() => scheduleFarEnd(core, ch, "caller", behaviour, false));

  return new Promise<string>((resolve, reject) => {
    let sock: Socket | undefined;
    try {
      sock = connect({ host: opts.socket.host, port: opts.socket.port });
    } catch (err) {
      failSocketApp();
      reject(err);
      return;
    }
    const onConnectError = (err: Error) => {
      failSocketApp();
      reject(err);
    };
    sock.once("error", onConnectError);
    sock.once("connect", () => {
      sock.removeListener("error", onConnectError);
      sock.setKeepAlive(true);
      if (!ch.isUp) {
        sock.destroy();
        resolve(uuid);
        return;
      }
      const conn = new EslConnection(core, sock, { kind: "outbound", channel: ch, async: isAsync, full }, queueCap, unregister);
      register(conn);
      resolve(uuid);
    });
  });

  /** The socket app could not connect: it returns, the dialplan has nothing more, the call ends. */
  function failSocketApp(): void {
    if (!ch.isUp) return;
    closeContainers(core, ch);
    hangupChannel(core, ch, "NORMAL_CLEARING");
  }
}
