/**
 * What one event-socket listener has asked to hear: the `event` /
 * `nixevent` / `noevents` / `myevents` subscription (event types, CUSTOM
 * subclasses, format) and the `filter` list, matched against each event as
 * mod_event_socket's event_handler does. Kept apart from esl-connection.ts,
 * which owns the socket, the command loop and the session, so that the
 * subscription rules can be read (and changed) in one place.
 */

import { EVENT_NAMES, nameEvent } from "./event-names.ts";
import type { EventFormat, SimEvent } from "./event-serialize.ts";


/** switch_regex_perform accepts `/pattern/flags` as well as a bare pattern. */
function compileFilterRegex(value: string): RegExp | undefined {
  let source = value;
  let flags = "";
  if (source.startsWith("/")) {
    source = source.slice(1);
    const end = source.lastIndexOf("/");
    if (end >= 0) {
      flags = source.slice(end + 1).includes("i") ? "i" : "";
      source = source.slice(0, end);
    }
  }
  try {
    return new RegExp(source, flags);
  } catch {
    return undefined;
  }
}

export class EventSubscription {
  eventsOn = false;
  allEvents = false;
  readonly eventNames = new Set<string>();
  readonly customSubclasses = new Set<string>();
  myEvents = false;
  format: EventFormat = "plain";
  readonly filters: Array<[string, string]> = [];

  /** Whether an event of this name (for this channel) would be sent; `sessionUuid` is the listener's session, if any. */
  wants(eventName: string, uniqueId: string | undefined, sessionUuid: string | undefined): boolean {
    if (!this.eventsOn) return false;
    if (!this.allEvents && !this.eventNames.has(eventName)) return false;
    if (this.myEvents && sessionUuid !== undefined && eventName !== "BACKGROUND_JOB" && uniqueId !== undefined && uniqueId !== sessionUuid) {
      return false;
    }
    return true;
  }

  /** Whether this event goes to the listener: subscription, filters, then myevents. */
  accepts(ev: SimEvent, sessionUuid: string | undefined): boolean {
    if (!this.eventsOn) return false;
    let send = this.allEvents;
    if (!send && this.eventNames.has(ev.name)) {
      send = ev.name !== "CUSTOM" || ev.subclass === undefined || this.customSubclasses.has(ev.subclass);
    }
    if (!send) return false;
    if (this.filters.length > 0 && !this.passesFilters(ev)) return false;
    if (this.myEvents) {
      // myevents: only this session's events (BACKGROUND_JOBs it owns included).
      const uuid = ev.uniqueId;
      const mine = sessionUuid;
      const ok = (uuid !== undefined && (mine === undefined || uuid === mine)) || (ev.ownerUuid !== undefined && ev.ownerUuid === mine);
      if (!ok) return false;
    }
    return true;
  }


  /** The listener's filter list, exactly as event_handler walks it. */
  private passesFilters(ev: SimEvent): boolean {
    let send = false;
    for (const [name, value] of this.filters) {
      const hval = ev.get(name);
      if (hval === undefined) continue;
      let i = 0;
      let positive = true;
      while (i < value.length) {
        const c = value[i]!;
        if (c === "+") positive = true;
        else if (c === "-") positive = false;
        else if (c !== " ") break;
        i++;
      }
      if (send && positive) continue;
      const compareTo = value.slice(i);
      if (compareTo === "") continue;
      let cmp: boolean;
      if (value.startsWith("/")) {
        cmp = compileFilterRegex(compareTo)?.test(hval) ?? false;
      } else {
        cmp = hval.toLowerCase() === compareTo.toLowerCase();
      }
      if (cmp) {
        if (positive) send = true;
        else return false;
      }
    }
    return send;
  }

  filterCommand(rest: string): string {
    let headerName = rest.replace(/^ +/, "");
    let headerVal: string | undefined;
    const sp = headerName.indexOf(" ");
    if (sp >= 0) {
      headerVal = headerName.slice(sp + 1);
      headerName = headerName.slice(0, sp);
    }
    if (headerName.toLowerCase() === "delete" && headerVal !== undefined) {
      headerName = headerVal;
      headerVal = undefined;
      const sp2 = headerName.indexOf(" ");
      if (sp2 >= 0) {
        headerVal = headerName.slice(sp2 + 1);
        headerName = headerName.slice(0, sp2);
      }
      if (headerName.toLowerCase() === "all") {
        this.filters.length = 0;
      } else {
        for (let i = this.filters.length - 1; i >= 0; i--) {
          const [n, v] = this.filters[i]!;
          if (n.toLowerCase() === headerName.toLowerCase() && (headerVal === undefined || v === headerVal)) {
            this.filters.splice(i, 1);
          }
        }
      }
      return `+OK filter deleted. [${headerName}][${headerVal ?? ""}]`;
    }
    if (headerVal === undefined) return "-ERR invalid syntax";
    if (headerName.toLowerCase() === "add") {
      headerName = headerVal;
      const sp2 = headerName.indexOf(" ");
      if (sp2 < 0) return "-ERR invalid syntax";
      headerVal = headerName.slice(sp2 + 1);
      headerName = headerName.slice(0, sp2);
    }
    this.filters.push([headerName, headerVal]);
    return `+OK filter added. [${headerName}]=[${headerVal}]`;
  }

  eventCommand(line: string): string {
    const sp = line.indexOf(" ", 5);
    let keyCount = 0;
    if (sp >= 0) {
      const tokens = line.slice(sp + 1).split(" ");
      let custom = false;
      tokens.forEach((token, index) => {
        if (index === 0) {
          const lower = token.toLowerCase();
          if (lower === "xml" || lower === "plain" || lower === "json") {
            this.format = lower;
            return;
          }
        }
        if (custom) {
          this.customSubclasses.add(token);
          return;
        }
        const name = nameEvent(token);
        if (!name) return;
        keyCount++;
        if (name === "ALL") this.allEvents = true;
        else this.eventNames.add(name);
        if (name === "CUSTOM") custom = true;
      });
    }
    if (keyCount === 0) return "-ERR no keywords supplied";
    this.eventsOn = true;
    return `+OK event listener enabled ${this.format}`;
  }

  nixeventCommand(line: string): string {
    const sp = line.indexOf(" ", 5);
    let keyCount = 0;
    if (sp >= 0) {
      let custom = false;
      for (const token of line.slice(sp + 1).split(" ")) {
        if (custom) {
          this.customSubclasses.delete(token);
          continue;
        }
        const name = nameEvent(token);
        if (!name) continue;
        keyCount++;
        if (name === "CUSTOM") custom = true;
        else if (name === "ALL") {
          this.allEvents = false;
          this.eventNames.clear();
        } else {
          if (this.allEvents) {
            // Un-ALL: every type on, then this one off.
            this.allEvents = false;
            for (const n of ALL_EVENT_TYPES) this.eventNames.add(n);
          }
          this.eventNames.delete(name);
        }
      }
    }
    if (keyCount === 0) return "-ERR no keywords supplied";
    this.eventsOn = true;
    return "+OK events nixed";
  }

  /** `noevents`: every subscription off (the caller drops the events already queued). */
  noeventsCommand(): string {
    if (this.eventsOn) {
      this.eventsOn = false;
      this.allEvents = false;
      this.eventNames.clear();
      this.customSubclasses.clear();
      return "+OK no longer listening for events";
    }
    return "-ERR not listening for events";
  }
}

/** Every event type except ALL, for nixevent after ALL. */
const ALL_EVENT_TYPES: readonly string[] = EVENT_NAMES.filter((n) => n !== "ALL");
