/**
 * The field builders of the environment schema (config/env-variables.ts): each
 * turns one raw variable (string | undefined) into a validated value or a zod
 * issue saying what was expected. Kept apart from the schema so the list of
 * variables reads as a table, and the parsing rules (ports, hosts, URLs, dial
 * tokens, CIDR lists) live in one place. An empty or blank string is unset.
 */
import { isIP } from "node:net";
import { z } from "zod";

export type Ctx = z.core.$RefinementCtx<string | undefined>;

/** An empty (or blank) string is unset. */
export const unset = (raw: string | undefined) => raw === undefined || raw.trim() === "";

export function reject(ctx: Ctx, raw: string, expected: string): typeof z.NEVER {
  ctx.addIssue({ code: "custom", message: `expected ${expected}, got ${JSON.stringify(raw)}` });
  return z.NEVER;
}

export const raw = () => z.string().optional();

// `F` types the fallback: a string default gives `string`, none gives `string | undefined`.
export function text<F extends string | undefined = undefined>(fallback?: F) {
  return raw().transform((v): string | F => (unset(v) ? (fallback as F) : v!));
}

export function integer(fallback: number, min: number, max: number, expected: string) {
  return raw().transform((v, ctx): number => {
    if (unset(v)) return fallback;
    const s = v!.trim();
    const n = Number(s);
    if (!/^\d+$/.test(s) || n < min || n > max) return reject(ctx, v!, expected);
    return n;
  });
}

export const listenPort = (fallback: number) => integer(fallback, 0, 65535, "a port number 0-65535 (0 = any free port)");
export const connectPort = (fallback: number) => integer(fallback, 1, 65535, "a port number 1-65535");

/** A host name or IP address: no scheme, port, path or whitespace. */
export function host<F extends string | undefined = undefined>(fallback?: F) {
  return raw().transform((v, ctx): string | F => {
    if (unset(v)) return fallback as F;
    const s = v!.trim();
    const ipv6 = /^\[?[0-9a-fA-F:.]+\]?$/.test(s) && s.includes(":");
    if (!ipv6 && !/^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/.test(s)) {
      return reject(ctx, v!, "a host name or IP address (no scheme or port)");
    }
    return s.replace(/^\[(.*)\]$/, "$1");
  });
}

export function url(protocols: readonly string[]) {
  const expected = `a ${protocols.map((p) => `${p}//`).join(" or ")} URL`;
  return raw().transform((v, ctx): string | undefined => {
    if (unset(v)) return undefined;
    const s = v!.trim();
    try {
      if (protocols.includes(new URL(s).protocol)) return s;
    } catch {
      // not a URL at all
    }
    return reject(ctx, v!, expected);
  });
}

export function oneOf<const T extends readonly string[]>(values: T, fallback: T[number]) {
  return raw().transform((v, ctx): T[number] => {
    if (unset(v)) return fallback;
    const s = v!.trim().toLowerCase();
    if ((values as readonly string[]).includes(s)) return s as T[number];
    return reject(ctx, v!, `one of ${values.join(", ")}`);
  });
}

/** A word FreeSWITCH takes as one dial-string or app argument: no spaces, slashes or commas. */
export function token<F extends string | undefined = undefined>(fallback?: F) {
  return raw().transform((v, ctx): string | F => {
    if (unset(v)) return fallback as F;
    const s = v!.trim();
    if (!/^[A-Za-z0-9_.+:@-]+$/.test(s)) return reject(ctx, v!, "a single word (letters, digits, _ . + : @ -)");
    return s;
  });
}

/** Free text that may span lines (a prompt): only trimmed. */
export function prose() {
  return raw().transform((v): string | undefined => (unset(v) ? undefined : v!.trim()));
}

/** Comma-separated IP addresses and CIDR blocks (10.0.0.5, 10.1.0.0/16, ::1). */
export function addressList() {
  return raw().transform((v, ctx): string[] | undefined => {
    if (unset(v)) return undefined;
    const entries = v!.split(",").map((e) => e.trim()).filter((e) => e !== "");
    for (const entry of entries) {
      const [address = "", prefix, extra] = entry.split("/");
      const family = isIP(address);
      const maxPrefix = family === 6 ? 128 : 32;
      const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
      if (family === 0 || !prefixOk || extra !== undefined) return reject(ctx, v!, "comma-separated IP addresses or CIDR blocks");
    }
    if (entries.length === 0) return reject(ctx, v!, "comma-separated IP addresses or CIDR blocks");
    return entries;
  });
}
