/**
 * The api commands the simulator answers (mod_commands output formats, and
 * mod_hash's `hash`). Every execution fires an API event once the command has
 * run, known or not, as switch_api_execute does.
 */

import { randomUUID } from "node:crypto";
import {
  bridgeChannels,
  breakMedia,
  closeContainers,
  hangupChannel,
  markAnswered,
  queueApplication,
  setRunningState,
  startContainer,
  transferChannel,
} from "./call-flow.ts";
import type { Channel } from "./channel.ts";
import { ORIGINATE_SYNTAX, type OriginateArgs, parseDialString, parseOriginateArgs, splitArgs } from "./dial-string.ts";
import { str2cause } from "./hangup-causes.ts";
import { uuidAudioStream } from "./audio-stream.ts";
import { hashApi } from "./mod-hash.ts";
import { gatewayStatusText } from "./gateways.ts";
import { dialOutboundLeg } from "./originate.ts";
import { FREESWITCH_VERSION, localStamp, SITES, type SwitchCore } from "./switch-core.ts";

/** The output text, or a promise of it (originate waits for answer or failure). */
export type ApiOutput = string | Promise<string>;

type ApiHandler = (core: SwitchCore, arg: string) => ApiOutput;

const NO_SUCH_CHANNEL = "-ERR No such channel!\n";

/** switch_api_execute fires its API event after the command returns (switch_loadable_module.c). */
function fireApiEvent(core: SwitchCore, command: string, arg: string | undefined): void {
  if (!core.wants("API", undefined)) {
    core.skipSequence();
    return;
  }
  const ev = core.newEvent("API", SITES.API);
  if (command !== "") ev.add("API-Command", command);
  if (arg !== undefined && arg !== "") ev.add("API-Command-Argument", arg);
  core.fire(ev);
}

/**
 * Run an api command as mod_event_socket's api_exec does. A command nobody
 * registered, or whose module is not loaded, answers
 * `-ERR <cmd> Command not found!\n` (mod_event_socket.c api_exec).
 */
export function executeApi(core: SwitchCore, command: string, arg: string | undefined): ApiOutput {
  const handler = HANDLERS[command.toLowerCase()];
  const args = arg?.trim();
  if (!handler || !core.modules.hasApi(command)) {
    fireApiEvent(core, command, args);
    return `-ERR ${command} Command not found!\n`;
  }
  const out = handler(core, args ?? "");
  if (typeof out === "string") {
    fireApiEvent(core, command, args);
    return out;
  }
  return out.then((text) => {
    fireApiEvent(core, command, args);
    return text;
  });
}

/** After the originate result is reported, the answered leg runs its &app or routes to its extension. */
function startExtension(core: SwitchCore, ch: Channel, args: OriginateArgs): void {
  if (!ch.isUp) return;
  ch.extensionStarted = true;
  if (args.application) {
    setRunningState(core, ch, "CS_EXECUTE");
    const { name, arg } = args.application;
    if (name.toLowerCase() === "park") {
      startContainer(core, ch, "park", arg, randomUUID(), true);
    } else {
      ch.executing = true;
      queueApplication(core, ch, { name, arg, applicationUuid: randomUUID(), loops: 1 });
    }
    return;
  }
  // switch_ivr_session_transfer to <exten>: the simulator has no dialplan, so the call routes and parks.
  ch.setProfile({ destinationNumber: args.extension ?? "", dialplan: args.dialplan, context: args.context });
  setRunningState(core, ch, "CS_ROUTING");
  setRunningState(core, ch, "CS_EXECUTE");
  startContainer(core, ch, "park", "", randomUUID(), true);
}

function originate(core: SwitchCore, arg: string): ApiOutput {
  const args = parseOriginateArgs(arg);
  if (!args) return `-USAGE: ${ORIGINATE_SYNTAX}\n`;
  const dial = parseDialString(args.dialString);
  if (!dial.ok) return `-ERR ${dial.cause}\n`;
  // switch_core_session_outgoing_channel: "Could not locate channel type" when the endpoint's module is not loaded.
  if (!core.modules.hasEndpoint(dial.target.endpoint)) return "-ERR CHAN_NOT_IMPLEMENTED\n";
  return new Promise<string>((resolve) => {
    dialOutboundLeg(core, dial.target, {
      ...(args.callerIdName !== undefined ? { callerIdName: args.callerIdName } : {}),
      ...(args.callerIdNumber !== undefined ? { callerIdNumber: args.callerIdNumber } : {}),
      ...(args.timeoutSec !== undefined ? { timeoutSec: args.timeoutSec } : {}),
      onResult(result) {
        if (!result.ok) {
          resolve(`-ERR ${result.cause}\n`);
          return;
        }
        const ch = result.channel;
        resolve(`+OK ${ch.uuid}\n`);
        // The reply / BACKGROUND_JOB goes out before the app's events.
        core.after(0, () => startExtension(core, ch, args), ch);
      },
    });
  });
}

/**
 * mod_sofia's `sofia` api, of which the simulator has only
 * `sofia status gateway <name>` (cmd_status): the gateway's block, or
 * "Invalid Gateway!". Anything else is not simulated and says so.
 */
function sofia(core: SwitchCore, arg: string): string {
  const argv = arg.split(/\s+/).filter(Boolean);
  if (argv.length >= 3 && argv[0]!.toLowerCase() === "status" && argv[1]!.toLowerCase() === "gateway") {
    return gatewayStatusText(core.gateways.find(argv[2]!), core.opts.ipv4);
  }
  return `-ERR the switch simulator implements only "sofia status gateway <name>", not "sofia ${arg}"\n`;
}

function withChannel(core: SwitchCore, uuid: string | undefined, fn: (ch: Channel) => string): string {
  const ch = uuid ? core.channels.get(uuid) : undefined;
  if (!ch) return NO_SUCH_CHANNEL;
  return fn(ch);
}

const CHANNEL_COLUMNS = [
  "uuid",
  "direction",
  "created",
  "created_epoch",
  "name",
  "state",
  "cid_name",
  "cid_num",
  "ip_addr",
  "dest",
  "application",
  "application_data",
  "dialplan",
  "context",
  "read_codec",
  "read_rate",
  "read_bit_rate",
  "write_codec",
  "write_rate",
  "write_bit_rate",
  "secure",
  "hostname",
  "presence_id",
  "presence_data",
  "accountcode",
  "callstate",
  "callee_name",
  "callee_num",
  "callee_direction",
  "call_uuid",
  "sent_callee_name",
  "sent_callee_num",
  "initial_cid_name",
  "initial_cid_num",
  "initial_ip_addr",
  "initial_dest",
  "initial_dialplan",
  "initial_context",
] as const;

const CALL_COLUMNS = [
  "uuid",
  "direction",
  "created",
  "created_epoch",
  "name",
  "state",
  "cid_name",
  "cid_num",
  "ip_addr",
  "dest",
  "presence_id",
  "presence_data",
  "accountcode",
  "callstate",
  "callee_name",
  "callee_num",
  "callee_direction",
  "call_uuid",
  "hostname",
  "sent_callee_name",
  "sent_callee_num",
  "b_uuid",
  "b_direction",
  "b_created",
  "b_created_epoch",
  "b_name",
  "b_state",
  "b_cid_name",
  "b_cid_num",
  "b_ip_addr",
  "b_dest",
  "b_presence_id",
  "b_presence_data",
  "b_accountcode",
  "b_callstate",
  "b_callee_name",
  "b_callee_num",
  "b_callee_direction",
  "b_sent_callee_name",
  "b_sent_callee_num",
  "call_created_epoch",
] as const;

/** One row of the core db `channels` table, every value a string. */
function channelRow(core: SwitchCore, ch: Channel): Record<string, string> {
  const app = ch.currentApp ?? ch.openApps[ch.openApps.length - 1];
  const codec = ch.codec;
  const p = ch.profile;
  return {
    uuid: ch.uuid,
    direction: ch.direction,
    created: localStamp(ch.times.created / 1000),
    created_epoch: String(Math.floor(ch.times.created / 1_000_000)),
    name: ch.name,
    state: ch.runningState,
    cid_name: p.callerIdName,
    cid_num: p.callerIdNumber,
    ip_addr: p.networkAddr,
    dest: p.destinationNumber,
    application: app?.name ?? "",
    application_data: app?.arg ?? "",
    dialplan: p.dialplan,
    context: p.context,
    read_codec: codec?.name ?? "",
    read_rate: codec ? String(codec.rate) : "",
    read_bit_rate: codec ? String(codec.bitRate) : "",
    write_codec: codec?.name ?? "",
    write_rate: codec ? String(codec.rate) : "",
    write_bit_rate: codec ? String(codec.bitRate) : "",
    secure: "",
    hostname: core.opts.hostname,
    presence_id: ch.presenceId,
    presence_data: "",
    accountcode: "",
    callstate: ch.callState,
    callee_name: p.calleeIdName,
    callee_num: p.calleeIdNumber,
    callee_direction: "",
    call_uuid: ch.callUuid,
    sent_callee_name: "",
    sent_callee_num: "",
    initial_cid_name: p.callerIdName,
    initial_cid_num: p.callerIdNumber,
    initial_ip_addr: p.networkAddr,
    initial_dest: p.destinationNumber,
    initial_dialplan: p.dialplan,
    initial_context: p.context,
  };
}

function callRows(core: SwitchCore): Array<Record<string, string>> {
  const rows: Array<Record<string, string>> = [];
  for (const ch of core.channels.values()) {
    // A bridged B leg is listed on its A leg's row (basic_calls view).
    if (ch.bridgedTo && ch.otherType === "originator") continue;
    const a = channelRow(core, ch);
    const b = ch.bridgedTo ? channelRow(core, ch.bridgedTo) : undefined;
    const row: Record<string, string> = {};
    for (const col of CALL_COLUMNS) {
      if (col === "call_created_epoch") row[col] = ch.bridgedTo ? String(Math.floor(ch.times.bridged / 1_000_000)) : "";
      else if (col.startsWith("b_")) row[col] = b ? (b[col.slice(2)] ?? "") : "";
      else row[col] = a[col] ?? "";
    }
    rows.push(row);
  }
  return rows;
}

/** mod_commands show: json is cJSON unformatted; an empty result is exactly `{"row_count": 0}\n`. */
function show(core: SwitchCore, arg: string): string {
  const argv = arg.split(/\s+/).filter(Boolean);
  const what = (argv[0] ?? "").toLowerCase();
  const asJson = argv.length >= 3 && argv[argv.length - 2]?.toLowerCase() === "as" && argv[argv.length - 1]?.toLowerCase() === "json";
  let columns: readonly string[];
  let rows: Array<Record<string, string>>;
  if (what === "channels") {
    if ((argv[1] ?? "").toLowerCase() === "count") return `\n${core.channels.size} total.\n`;
    columns = CHANNEL_COLUMNS;
    rows = [...core.channels.values()].map((ch) => channelRow(core, ch));
  } else if (what === "calls") {
    if ((argv[1] ?? "").toLowerCase() === "count") return `\n${callRows(core).length} total.\n`;
    columns = CALL_COLUMNS;
    rows = callRows(core);
  } else {
    return "-USAGE: codec|endpoint|application|api|dialplan|file|timer|calls [count]|channels [count|like <match string>]|calls|detailed_calls|bridged_calls|detailed_bridged_calls|aliases|complete|chat|management|modules|nat_map|say|interfaces|interface_types|tasks|limits|status\n";
  }
  if (asJson) {
    if (rows.length === 0) return '{"row_count": 0}\n';
    let out = `{"row_count":${rows.length},"rows":[`;
    out += rows
      .map((row) => "{" + columns.map((c) => JSON.stringify(c) + ":" + JSON.stringify(row[c] ?? "")).join(",") + "}")
      .join(",");
    return out + "]}";
  }
  if (rows.length === 0) return "\n0 total.\n";
  let out = columns.join(",") + "\n";
  for (const row of rows) out += columns.map((c) => row[c] ?? "").join(",") + "\n";
  return out + `\n${rows.length} total.\n`;
}

const HANDLERS: Readonly<Record<string, ApiHandler>> = {
  status: (core) => core.statusText(),
  version: () => `FreeSWITCH Version ${FREESWITCH_VERSION}~64bit (-release 64bit)\n`,
  hostname: (core) => core.opts.hostname,
  uptime: (core) => String(Math.floor(core.uptimeMs() / 1000)),
  create_uuid: () => randomUUID(),
  echo: (_core, arg) => arg,
  module_exists: (core, arg) => (core.modules.has(arg) ? "true" : "false"),
  reloadxml: () => "+OK [Success]\n",
  global_getvar: (core, arg) => {
    if (arg) return core.globals.get(arg) ?? "";
    let out = "";
    for (const [k, v] of core.globals) out += `${k}=${v}\n`;
    return out;
  },
  originate,
  show,
  hash: hashApi,
  sofia,
  /** mod_audio_stream. */
  uuid_audio_stream: uuidAudioStream,
  uuid_exists: (core, arg) => (core.channels.has(arg.split(/\s+/)[0] ?? "") ? "true" : "false"),
  uuid_kill: (core, arg) => {
    const [uuid, cause] = arg.split(/\s+/);
    if (!uuid) return "-USAGE: <uuid> [cause]\n";
    return withChannel(core, uuid, (ch) => {
      hangupChannel(core, ch, (cause && str2cause(cause)) || "NORMAL_CLEARING");
      return "+OK\n";
    });
  },
  uuid_answer: (core, arg) =>
    withChannel(core, arg.split(/\s+/)[0], (ch) => {
      markAnswered(core, ch);
      return "+OK\n";
    }),
  uuid_break: (core, arg) => {
    const [uuid, all] = arg.split(/\s+/);
    if (!uuid) return "-USAGE: <uuid> [all]\n";
    return withChannel(core, uuid, (ch) => {
      breakMedia(ch, all === "all");
      return "+OK\n";
    });
  },
  uuid_getvar: (core, arg) => {
    const [uuid, name] = arg.split(/\s+/);
    if (!uuid || !name) return "-USAGE: <uuid> <var>\n";
    return withChannel(core, uuid, (ch) => ch.getVar(name) ?? "_undef_");
  },
  uuid_setvar: (core, arg) => {
    const [uuid, name, ...rest] = arg.split(" ");
    if (!uuid || !name) return "-USAGE: <uuid> <var> [value]\n";
    return withChannel(core, uuid, (ch) => {
      const value = rest.join(" ");
      if (value === "") ch.unsetVar(name);
      else ch.setVar(name, value);
      return "+OK\n";
    });
  },
  uuid_send_dtmf: (core, arg) => {
    const [uuid, digits] = arg.split(/\s+/);
    if (!uuid || !digits) return "-USAGE: <uuid> <dtmf_data>\n";
    // The digits go to the far end; FreeSWITCH fires no DTMF event for sent digits.
    return withChannel(core, uuid, () => "+OK Success\n");
  },
  uuid_broadcast: (core, arg) => {
    const [uuid, path, leg = "aleg"] = splitArgs(arg);
    if (!uuid || !path) return "-USAGE: <uuid> <path> [aleg|bleg|holdb|both]\n";
    const ch = core.channels.get(uuid);
    if (!ch) return "-ERR invalid uuid\n";
    const targets: Channel[] = [];
    if (leg === "aleg" || leg === "both") targets.push(ch);
    if ((leg === "bleg" || leg === "both") && ch.bridgedTo) targets.push(ch.bridgedTo);
    for (const target of targets) {
      // "app::args" broadcasts an application; anything else is a file to play.
      const sep = path.indexOf("::");
      const [name, appArg] = sep >= 0 ? [path.slice(0, sep), path.slice(sep + 2)] : ["playback", path];
      queueApplication(core, target, { name, arg: appArg, applicationUuid: randomUUID(), loops: 1 });
    }
    return "+OK Message sent\n";
  },
  uuid_transfer: (core, arg) => {
    const argv = splitArgs(arg);
    const uuid = argv.shift();
    if (argv[0] === "-bleg" || argv[0] === "-both") argv.shift();
    const [dest, dialplan = "XML", context = "default"] = argv;
    if (!uuid || !dest) return "-USAGE: <uuid> [-bleg|-both] <dest-exten> [<dialplan>] [<context>]\n";
    return withChannel(core, uuid, (ch) => {
      transferChannel(core, ch, dest, dialplan, context);
      return "+OK\n";
    });
  },
  uuid_bridge: (core, arg) => {
    const [aUuid, bUuid] = arg.split(/\s+/);
    if (!aUuid || !bUuid) return "-USAGE: <uuid> <other_uuid>\n";
    const a = core.channels.get(aUuid);
    const b = core.channels.get(bUuid);
    if (!a || !b || !a.isUp || !b.isUp) return "-ERR Invalid uuid\n";
    for (const ch of [a, b]) {
      ch.currentApp?.interrupt("transfer");
      closeContainers(core, ch);
    }
    markAnswered(core, a);
    markAnswered(core, b);
    bridgeChannels(core, a, b, "uuid");
    return `+OK ${bUuid}\n`;
  },
};

/** For the README / tests: the api commands this simulator implements. */
export const API_COMMANDS: readonly string[] = Object.keys(HANDLERS);
