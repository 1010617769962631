/**
 * mod_sofia's SIP gateways as the simulator models them: a name, up or down,
 * and the call counters `sofia status gateway <name>` reports. Each one is
 * the smallest gateway a real switch would accept on the "external" profile:
 * an IP-authenticated trunk (register=false) with OPTIONS pings every 30 s
 * (the pings are what mark a trunk down), realm = proxy = its name.
 *
 * With no `gateways` in the scenario every name is a gateway that is up (made
 * on first use), so dial strings such as sofia/gateway/anything/… just work.
 * With `gateways`, only those exist: another name is an unknown gateway
 * (INVALID_GATEWAY, "Invalid Gateway!"), as on a switch without it.
 */

import type { GatewayStatus } from "./scenario.ts";

export interface SimGateway {
  readonly name: string;
  status: GatewayStatus;
  /** When it last came up (ms since the epoch); Uptime counts from here. */
  upSinceMs: number;
  /** sofia_outgoing_channel: calls placed through it (ob_calls) and refused / never answered (ob_failed_calls). */
  obCalls: number;
  obFailedCalls: number;
}

/** The ping frequency the modelled gateways use (param ping = 30). */
const PING_FREQ_S = 30;
/** The external profile's SIP port (vanilla: $${external_sip_port}). */
const EXTERNAL_SIP_PORT = 5080;
/** cmd_status's separator line. */
const LINE = "=".repeat(97);

export class GatewayTable {
  private readonly table = new Map<string, SimGateway>();
  /** No `gateways` key in the scenario: any name is a gateway, up until told otherwise. */
  readonly open: boolean;
  private readonly createdMs: number;

  constructor(declared: Readonly<Record<string, { status: GatewayStatus }>> | undefined, nowMs = Date.now()) {
    this.open = declared === undefined;
    this.createdMs = nowMs;
    for (const [name, gw] of Object.entries(declared ?? {})) this.table.set(name, this.make(name, gw.status, nowMs));
  }

  private make(name: string, status: GatewayStatus, nowMs: number): SimGateway {
    return { name, status, upSinceMs: nowMs, obCalls: 0, obFailedCalls: 0 };
  }

  /** sofia_reg_find_gateway: case-sensitive, as the gateway hash is. */
  find(name: string): SimGateway | undefined {
    let gw = this.table.get(name);
    if (!gw && this.open && name !== "") {
      gw = this.make(name, "up", this.createdMs);
      this.table.set(name, gw);
    }
    return gw;
  }

  /** Mark a gateway up or down (its pings started failing / answering again); adds it when unknown. */
  setStatus(name: string, status: GatewayStatus, nowMs = Date.now()): SimGateway {
    const gw = this.find(name) ?? this.make(name, status, nowMs);
    this.table.set(name, gw);
    if (gw.status !== status && status === "up") gw.upSinceMs = nowMs;
    gw.status = status;
    return gw;
  }

  list(): SimGateway[] {
    return [...this.table.values()];
  }
}

/**
 * mod_sofia cmd_status for `sofia status gateway <name>` (mod_sofia.c): the
 * gateway block, or "Invalid Gateway!\n". ipv4 is the profile's SIP address
 * (the Contact host).
 */
export function gatewayStatusText(gw: SimGateway | undefined, ipv4: string, nowMs = Date.now()): string {
  if (!gw) return "Invalid Gateway!\n";
  const up = gw.status === "up";
  const user = "FreeSWITCH";
  const elapsedS = Math.max(0, Math.floor((nowMs - gw.upSinceMs) / 1000));
  const nowS = Math.floor(nowMs / 1000);
  // gateway->ping: when the next OPTIONS goes out (epoch seconds).
  const nextPing = nowS + (PING_FREQ_S - (elapsedS % PING_FREQ_S));
  const lines: Array<[string, string | number]> = [
    ["Name    ", gw.name],
    ["Profile ", "external"],
    ["Scheme  ", "Digest"],
    ["Realm   ", gw.name],
    ["Username", user],
    ["Password", "no"],
    ["From    ", `<sip:${user}@${gw.name}>`],
    ["Contact ", `<sip:gw+${gw.name}@${ipv4}:${EXTERNAL_SIP_PORT};transport=udp;gw=${gw.name}>`],
    ["Exten   ", user],
    ["To      ", `sip:${user}@${gw.name}`],
    ["Proxy   ", `sip:${gw.name}`],
    ["Context ", "public"],
    ["Expires ", "3600"],
    ["Freq    ", 3600],
    ["Ping    ", nextPing],
    ["PingFreq", PING_FREQ_S],
    ["PingTime", "0.00"],
    // ping_min / ping_count / ping_max: one answered ping brings it up, one lost one takes it down.
    ["PingState", up ? "1/1/1" : "1/0/1"],
    ["State   ", "NOREG"],
    ["Status  ", up ? "UP" : "DOWN"],
    ["Uptime  ", `${up ? elapsedS : 0}s`],
    ["CallsIN ", 0],
    ["CallsOUT", gw.obCalls],
    ["FailedCallsIN", 0],
    ["FailedCallsOUT", gw.obFailedCalls],
  ];
  let out = LINE + "\n";
  for (const [label, value] of lines) out += `${label}\t${value}\n`;
  return out + LINE + "\n";
}
