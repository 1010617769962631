/**
 * The destinations Switchboard dials: a grammar, not a blacklist.
 *
 * A FreeSWITCH dial string is a small language of its own: `|` fails over to
 * the next target, `,` rings targets at once, `:_:` joins enterprise legs, `^`
 * and `<…>` change the leg, `{…}` / `[…]` / `<…>` set channel variables — and a
 * variable such as `api_hangup_hook` runs an API command when the leg hangs up.
 * So a destination taken from a user is parsed as exactly one endpoint of the
 * kinds below, each part from a narrow character set, and anything else is
 * refused. Channel variables are set only by the runtime (encode.ts), never
 * through a destination.
 *
 *   +15551230000 / 1000          a number, dialled through the configured gateway
 *   sofia/gateway/<gw>/<number>  a carrier gateway
 *   user/<ext>[@<domain>]        a registered user (mod_dptools' user endpoint)
 *   loopback/<ext>[/<context>]   the dialplan, as a new inbound leg (mod_loopback)
 *   error/<cause>                a leg that fails at once with that hangup cause
 */
import { isHangupCause } from "./switch/hangup-causes.ts";

export type DialTarget =
  | { kind: "number"; number: string }
  | { kind: "gateway"; gateway: string; number: string }
  | { kind: "user"; extension: string; domain?: string }
  | { kind: "loopback"; extension: string; context?: string }
  | { kind: "error"; cause: string };

/** Digits with an optional leading +; * and # for feature codes and extensions. */
const NUMBER = /^\+?[0-9*#]{1,32}$/;
/** A gateway name as sofia's XML allows it, without anything a dial string gives meaning to. */
const GATEWAY = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** An extension: a dialplan destination number or a directory user id. */
const EXTENSION = /^[A-Za-z0-9+*#][A-Za-z0-9_.+*#-]{0,63}$/;
/** A dialplan context or a directory domain: host-name characters. */
const CONTEXT = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const DOMAIN = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;

export const DIAL_TARGET_HELP =
  "must be a number like +15551230000, or one endpoint: sofia/gateway/<gateway>/<number>, user/<extension>[@<domain>], loopback/<extension>[/<context>] or error/<hangup cause>";

/** Parses one destination; null when it is not exactly one endpoint of the accepted kinds. */
export function parseDialTarget(text: string): DialTarget | null {
  if (NUMBER.test(text)) return { kind: "number", number: text };
  const parts = text.split("/");
  switch (parts[0]) {
    case "sofia":
      if (parts.length === 4 && parts[1] === "gateway" && GATEWAY.test(parts[2]!) && NUMBER.test(parts[3]!)) {
        return { kind: "gateway", gateway: parts[2]!, number: parts[3]! };
      }
      return null;
    case "user": {
      if (parts.length !== 2) return null;
      const [extension, domain, ...rest] = parts[1]!.split("@");
      if (rest.length > 0 || !EXTENSION.test(extension!)) return null;
      if (domain === undefined) return { kind: "user", extension: extension! };
      return DOMAIN.test(domain) && domain.length <= 253 ? { kind: "user", extension: extension!, domain } : null;
    }
    case "loopback":
      if (parts.length === 2 && EXTENSION.test(parts[1]!)) return { kind: "loopback", extension: parts[1]! };
      if (parts.length === 3 && EXTENSION.test(parts[1]!) && CONTEXT.test(parts[2]!)) {
        return { kind: "loopback", extension: parts[1]!, context: parts[2]! };
      }
      return null;
    case "error":
      // FreeSWITCH's error endpoint reads the cause case-insensitively (switch_channel_str2cause).
      return parts.length === 2 && isHangupCause(parts[1]!.toUpperCase()) ? { kind: "error", cause: parts[1]! } : null;
    default:
      return null;
  }
}

/**
 * The dial string FreeSWITCH gets for a target; a bare number goes through
 * `gateway`, and without one it cannot be dialled (null).
 */
export function dialStringFor(target: DialTarget, gateway: string | undefined): string | null {
  switch (target.kind) {
    case "number":
      return gateway !== undefined && GATEWAY.test(gateway) ? `sofia/gateway/${gateway}/${target.number}` : null;
    case "gateway":
      return `sofia/gateway/${target.gateway}/${target.number}`;
    case "user":
      return target.domain === undefined ? `user/${target.extension}` : `user/${target.extension}@${target.domain}`;
    case "loopback":
      return target.context === undefined ? `loopback/${target.extension}` : `loopback/${target.extension}/${target.context}`;
    case "error":
      return `error/${target.cause}`;
  }
}

/** True when a dial string is exactly one endpoint of the accepted kinds (not a bare number). */
export function isEndpointDialString(text: string): boolean {
  const target = parseDialTarget(text);
  return target !== null && target.kind !== "number";
}
