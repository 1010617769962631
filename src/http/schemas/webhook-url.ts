/**
 * status_callback: where the runtime will POST a call's status changes. A URL
 * the API accepts is later fetched by the runtime from inside the network, so
 * the edge takes only plain, well-formed http(s) URLs, and (unless
 * WEBHOOK_ALLOW_PRIVATE is set) refuses targets that name this host or a
 * private network: a webhook must not become a way to reach internal services.
 *
 * The edge judges the URL as written (literal IP addresses and localhost
 * names); it does not resolve DNS. A public name can resolve to a private
 * address (or change its answer later: DNS rebinding), so webhook delivery
 * must check the address it actually connects to with the same rule
 * (`privateAddressReason`) before sending.
 */
import { z } from "zod";
import { isStorableText, STORABLE_TEXT_MESSAGE } from "./text.ts";

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/**
 * Syntax: http or https, a host, no credentials, and not a single control
 * character or space anywhere (the WHATWG parser would silently drop a CR, LF
 * or tab, so the check runs on the string as sent).
 */
export const webhookUrl = z
  .string()
  .max(MAX_WEBHOOK_URL_LENGTH)
  .refine(isStorableText, { message: STORABLE_TEXT_MESSAGE, abort: true })
  .refine((s) => !/[\u0000-\u0020\u007f-\u009f\s]/u.test(s), {
    message: "must not contain spaces or control characters (CR, LF, tab, NUL)",
    abort: true,
  })
  .superRefine((s, ctx) => {
    const problem = webhookUrlProblem(s);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });

function webhookUrlProblem(s: string): string | null {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return "must be an absolute http:// or https:// URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http:// or https:// URL";
  if (url.username || url.password) return "must not carry credentials (user:password@); sign the webhook instead";
  if (!url.hostname) return "must name a host";
  return null;
}

/**
 * Why a (syntactically valid) webhook URL targets this host or a private
 * network, or null when it does not: loopback, RFC 1918, link-local (cloud
 * metadata lives at 169.254.169.254), shared CGNAT, "this network", IPv6
 * loopback / unique-local / link-local, and IPv4 addresses embedded in IPv6
 * (::ffff:a.b.c.d, ::a.b.c.d, 64:ff9b::a.b.c.d). The WHATWG parser has already
 * normalised exotic IPv4 spellings (2130706433, 0x7f.1, 127.1) to dotted form.
 */
export function privateTargetReason(rawUrl: string): string | null {
  const host = new URL(rawUrl).hostname.toLowerCase().replace(/\.$/, "");
  if (host === "localhost" || host.endsWith(".localhost")) return "names this host (localhost)";
  return privateAddressReason(host.startsWith("[") ? host.slice(1, -1) : host);
}

/** Why an IP address literal is loopback, private or link-local; null for a public address or a name. */
export function privateAddressReason(address: string): string | null {
  const v4 = parseIpv4(address);
  if (v4) return privateIpv4Reason(v4);
  const v6 = parseIpv6(address);
  return v6 ? privateIpv6Reason(v6) : null;
}

type Ipv4 = [number, number, number, number];

function privateIpv4Reason([a, b]: Ipv4): string | null {
  if (a === 127) return "is a loopback address (127.0.0.0/8)";
  if (a === 0) return "is a 'this network' address (0.0.0.0/8), which reaches this host";
  if (a === 10) return "is a private address (10.0.0.0/8)";
  if (a === 172 && b >= 16 && b <= 31) return "is a private address (172.16.0.0/12)";
  if (a === 192 && b === 168) return "is a private address (192.168.0.0/16)";
  if (a === 169 && b === 254) return "is a link-local address (169.254.0.0/16)";
  if (a === 100 && b >= 64 && b <= 127) return "is a shared (carrier-grade NAT) address (100.64.0.0/10)";
  return null;
}

function privateIpv6Reason(h: number[]): string | null {
  const zeros = (from: number, to: number) => h.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return "is the unspecified address (::), which reaches this host";
  if (zeros(0, 7) && h[7] === 1) return "is the loopback address (::1)";
  if ((h[0]! & 0xfe00) === 0xfc00) return "is a unique-local address (fc00::/7)";
  if ((h[0]! & 0xffc0) === 0xfe80) return "is a link-local address (fe80::/10)";
  const embedded: Ipv4 = [h[6]! >> 8, h[6]! & 0xff, h[7]! >> 8, h[7]! & 0xff];
  const mapped = zeros(0, 5) && h[5] === 0xffff; // ::ffff:a.b.c.d, IPv4-mapped
  const compatible = zeros(0, 6); // ::a.b.c.d, IPv4-compatible (deprecated)
  const nat64 = h[0] === 0x64 && h[1] === 0xff9b && zeros(2, 6); // 64:ff9b::a.b.c.d, RFC 6052
  if (mapped || compatible || nat64) {
    const reason = privateIpv4Reason(embedded);
    return reason && `embeds ${embedded.join(".")}, which ${reason}`;
  }
  return null;
}

function parseIpv4(s: string): Ipv4 | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const parts = m.slice(1).map(Number) as Ipv4;
  return parts.every((p) => p <= 255) ? parts : null;
}

/** Eight 16-bit groups, or null when not an IPv6 literal (a trailing dotted IPv4 is allowed). */
function parseIpv6(s: string): number[] | null {
  if (!s.includes(":") || !/^[0-9a-f:.]+$/i.test(s)) return null;
  let groups = s;
  const tail = /:(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (tail) {
    const v4 = parseIpv4(tail[1]!);
    if (!v4) return null;
    groups = `${s.slice(0, tail.index)}:${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = groups.split("::");
  if (halves.length > 2) return null;
  const part = (p: string) => (p === "" ? [] : p.split(":"));
  const head = part(halves[0]!);
  const rest = halves.length === 2 ? part(halves[1]!) : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  if (!all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  return all.map((g) => parseInt(g, 16));
}
