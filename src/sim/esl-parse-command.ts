/**
 * mod_event_socket's parse_command: the listener's command set (auth,
 * filter, resume, connect, getvar, myevents, divert_events, sendmsg,
 * sendevent, api, bgapi, log, linger, event, nixevent, noevents, exit) and
 * the one reply each sends, in FreeSWITCH's order of checks. Split from
 * esl-connection.ts, which owns the socket, the output queue and the
 * session; the commands that act on the switch are in esl-execute-commands.ts.
 */

import type { ClientCommand } from "./command-reader.ts";
import type { EslConnection } from "./esl-connection.ts";
import { api, bgapi, connect, sendevent, sendmsg } from "./esl-execute-commands.ts";
import { LOG_LEVELS, MYEVENTS } from "./event-names.ts";

function startsWithCI(text: string, prefix: string): boolean {
  return text.length >= prefix.length && text.slice(0, prefix.length).toLowerCase() === prefix;
}

/** parse_command. Exactly one reply per command, in order. */
export function parseCommand(listener: EslConnection, cmd: ClientCommand): Promise<void> | void {
  const line = cmd.command;
  let suppressReply = false;
  if (listener.kind === "outbound" && !listener.gotFirstPacket) {
    // listener_run processes an outbound session's first packet without sending its reply.
    listener.gotFirstPacket = true;
    clearTimeout(listener.firstPacketTimer);
    suppressReply = true;
  }
  const reply = (text: string, extra?: ReadonlyArray<readonly [string, string]>) => {
    if (!suppressReply) listener.reply(text, extra);
  };

  if (startsWithCI(line, "exit") || line.startsWith("...")) {
    reply("+OK bye");
    listener.finish();
    return;
  }

  if (!listener.authed) {
    if (startsWithCI(line, "auth ")) {
      if (line.slice(5) === listener.password) {
        listener.authed = true;
        reply("+OK accepted");
      } else {
        reply("-ERR invalid");
        listener.finish();
      }
      return;
    }
    if (startsWithCI(line, "userauth ")) {
      // No user directory in the simulator: every userauth fails like a wrong password.
      reply("-ERR invalid");
      listener.finish();
      return;
    }
    reply("-ERR command not found");
    return;
  }

  if (startsWithCI(line, "filter ")) {
    reply(listener.events.filterCommand(line.slice(7)));
    return;
  }

  if (listener.session && startsWithCI(line, "resume")) {
    listener.session.setVar("socket_resume", "true");
    reply("+OK");
    return;
  }

  if (listener.session || startsWithCI(line, "myevents ")) {
    if (startsWithCI(line, "connect")) {
      connect(listener);
      return;
    }
    if (startsWithCI(line, "getvar")) {
      const sp = line.indexOf(" ");
      const value = sp >= 0 && listener.session ? (listener.session.getVar(line.slice(sp + 1)) ?? "") : "";
      // An unset variable gives an empty reply, which parse_command turns into -ERR command not found.
      reply(value === "" ? "-ERR command not found" : value);
      return;
    }
    if (startsWithCI(line, "myevents")) {
      reply(myeventsCommand(listener, line));
      return;
    }
  }

  if (startsWithCI(line, "divert_events")) {
    if (!listener.session) {
      reply("-ERR not controlling a session.");
      return;
    }
    const onoff = line.slice(13).trim();
    if (onoff === "") {
      reply("-ERR missing value.");
      return;
    }
    listener.divertEvents = onoff.toLowerCase() === "on";
    reply(listener.divertEvents ? "+OK events diverted" : "+OK events not diverted");
    return;
  }

  if (startsWithCI(line, "sendmsg")) {
    return sendmsg(listener, cmd, line.slice(7).trim(), reply);
  }

  // Outbound without `full`: nothing below is allowed.
  if (listener.kind === "outbound" && !listener.full) {
    reply("-ERR command not found");
    return;
  }

  if (startsWithCI(line, "sendevent")) {
    reply(sendevent(listener, cmd, line.slice(9).trim()));
    return;
  }
  if (startsWithCI(line, "api ")) {
    return api(listener, line.slice(4), suppressReply);
  }
  if (startsWithCI(line, "bgapi ")) {
    bgapi(listener, cmd, line.slice(6), reply);
    return;
  }
  if (startsWithCI(line, "log")) {
    const levelText = line.length > 3 ? line.slice(4) : "";
    const level = levelText === "" ? 7 : /^[0-7]$/.test(levelText) ? Number(levelText) : LOG_LEVELS[levelText.toLowerCase()];
    if (level === undefined) {
      reply("-ERR invalid log level");
    } else {
      listener.logLevel = level;
      reply(`+OK log level ${levelText} [${level}]`);
    }
    return;
  }
  if (startsWithCI(line, "linger")) {
    if (!listener.session) {
      reply("-ERR not controlling a session");
      return;
    }
    const secs = line[6] === " " && line.length > 7 ? Number.parseInt(line.slice(7), 10) || 0 : -1;
    listener.linger = true;
    listener.lingerSeconds = secs;
    reply(secs >= 0 ? `+OK will linger ${secs} seconds` : "+OK will linger");
    return;
  }
  if (startsWithCI(line, "nolinger")) {
    if (!listener.session) {
      reply("-ERR not controlling a session");
      return;
    }
    listener.linger = false;
    reply("+OK will not linger");
    return;
  }
  if (startsWithCI(line, "nolog")) {
    if (listener.logLevel !== undefined) {
      listener.logLevel = undefined;
      reply("+OK no longer logging");
    } else {
      reply("-ERR not loging");
    }
    return;
  }
  if (startsWithCI(line, "event")) {
    reply(listener.events.eventCommand(line));
    return;
  }
  if (startsWithCI(line, "nixevent")) {
    reply(listener.events.nixeventCommand(line));
    return;
  }
  if (startsWithCI(line, "noevents")) {
    listener.dropQueuedEvents();
    reply(listener.events.noeventsCommand());
    return;
  }
  reply("-ERR command not found");
}

function myeventsCommand(listener: EslConnection, line: string): string {
  if (listener.events.myEvents) return "-ERR aready enabled."; // sic: the typo is FreeSWITCH's
  let formatText = line;
  if (!listener.session) {
    // Inbound: myevents <uuid> [format]
    const rest = line.slice(9);
    const sp = rest.indexOf(" ");
    const uuid = sp >= 0 ? rest.slice(0, sp) : rest;
    const fmt = sp >= 0 ? rest.slice(sp + 1) : undefined;
    const ch = listener.core.channels.get(uuid);
    if (!ch && fmt !== undefined) return "-ERR invalid uuid";
    if (ch) listener.bindSession(ch);
    listener.async = true;
    // Quirk kept from the C code: the command was cut at the space, so the format word is never seen.
    formatText = uuid;
  }
  for (const name of MYEVENTS) listener.events.eventNames.add(name);
  listener.events.myEvents = true;
  if (listener.session) listener.core.bindSink(listener, listener.session.uuid);
  listener.events.eventsOn = true;
  if (formatText.includes("xml") || formatText.includes("XML")) listener.events.format = "xml";
  if (formatText.includes("json") || formatText.includes("JSON")) listener.events.format = "json";
  return "+OK Events Enabled";
}
