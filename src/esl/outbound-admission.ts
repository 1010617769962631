/**
 * What the outbound-socket server checks before it spends anything on a
 * connection, and how it keeps a flood of them cheap.
 *
 * The dialplan `socket` app makes FreeSWITCH connect to us, so the listening
 * port cannot authenticate its peer the way the inbound link does (`auth`).
 * Instead: only configured switch addresses may connect (SourceAllowList), each
 * source may open so many connections per second (ConnectionRateLimiter), what
 * sessions buffer toward unfinished frames is capped per session and in total
 * (BufferBudget), and refusals are logged at a bounded rate (RefusalLog).
 */
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import type { Logger } from "pino";
import { ThrottledLog } from "../log-throttle.ts";

/** Why a connection to the outbound socket was closed; also the metric label. */
export type OutboundRefusalReason =
  | "source_not_allowed"
  | "rate_limited"
  | "too_many_handshakes"
  | "handshake_too_large"
  | "buffer_full"
  | "missing_core_uuid"
  | "wrong_core_uuid"
  | "switch_unknown"
  | "unknown_channel"
  | "link_down"
  | "handshake_failed";

export interface OutboundRefusal {
  reason: OutboundRefusalReason;
  /** The peer's address as the socket reports it. */
  source: string;
  /** The channel the session claimed to be, once its connect reply was read. */
  uuid?: string;
  detail?: string;
}

/** A socket's remoteAddress with an IPv4-mapped IPv6 form (::ffff:10.0.0.5) unwrapped. */
export function normaliseAddress(address: string | undefined): string {
  if (!address) return "";
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/** IPs and CIDR blocks a session may come from (OUTBOUND_SOCKET_ALLOW). */
export class SourceAllowList {
  private readonly list = new BlockList();
  readonly entries: readonly string[];

  constructor(entries: readonly string[]) {
    this.entries = [...entries];
    for (const entry of entries) {
      const [address = "", prefix] = entry.trim().split("/");
      const family = isIP(address);
      if (family === 0) throw new Error(`not an IP address or CIDR block: ${JSON.stringify(entry)}`);
      const type = family === 6 ? "ipv6" : "ipv4";
      if (prefix === undefined) this.list.addAddress(address, type);
      else this.list.addSubnet(address, Number(prefix), type);
    }
  }

  allows(address: string | undefined): boolean {
    const a = normaliseAddress(address);
    const family = isIP(a);
    if (family === 0) return false;
    return this.list.check(a, family === 6 ? "ipv6" : "ipv4");
  }
}

/**
 * A token bucket per source address: `ratePerSec` tokens a second, at most
 * `burst` saved up. Idle sources are forgotten so the map stays small.
 */
export class ConnectionRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private lastSweep = 0;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number = ratePerSec,
  ) {}

  take(source: string, now: number = performance.now()): boolean {
    this.sweep(now);
    const bucket = this.buckets.get(source) ?? { tokens: this.burst, at: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.ratePerSec);
    bucket.at = now;
    this.buckets.set(source, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** A bucket refilled to the brim holds nothing worth keeping. */
  private sweep(now: number): void {
    if (now - this.lastSweep < 10_000) return;
    this.lastSweep = now;
    const fullAfterMs = (this.burst / this.ratePerSec) * 1000;
    for (const [source, bucket] of this.buckets) {
      if (now - bucket.at > fullAfterMs) this.buckets.delete(source);
    }
  }
}

/**
 * Bytes every session holds toward a frame it has not finished, summed. Each
 * session reports after every chunk; the sum is checked against one cap.
 */
export class BufferBudget {
  private total = 0;

  constructor(readonly maxBytes: number) {}

  get used(): number {
    return this.total;
  }

  /** Move a session's holding from `before` to `after`; false when that crosses the cap. */
  update(before: number, after: number): boolean {
    this.total += after - before;
    return this.total <= this.maxBytes;
  }

  release(bytes: number): void {
    this.total -= bytes;
  }
}

/**
 * Logs refusals without letting a flood flood the log: the first refusal for
 * each reason at once, the rest summed per interval with the sources seen.
 */
export class RefusalLog {
  private readonly throttle: ThrottledLog;

  constructor(log: Logger, intervalMs = 10_000) {
    this.throttle = new ThrottledLog(log, "outbound socket connections refused meanwhile", intervalMs);
  }

  note(refusal: OutboundRefusal, hint?: string): void {
    this.throttle.warn(refusal.reason, { ...refusal, ...(hint ? { hint } : {}) }, "outbound socket connection refused", refusal.source);
  }

  stop(): void {
    this.throttle.stop();
  }
}

export async function addressesOf(host: string): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  const found = await lookup(host, { all: true });
  return [...new Set(found.map((a) => a.address))];
}
