/**
 * Dial strings and originate arguments, parsed the way mod_commands and
 * switch_ivr_originate read them: a `{var=val,…}` prefix of channel variables
 * (values may be quoted with '…' or escape commas with \,), then an endpoint.
 * Only the first leg of a `,` / `|` list is dialled.
 */

import { str2cause } from "./hangup-causes.ts";

export type Endpoint = "sofia" | "user" | "loopback" | "error";

export interface DialTarget {
  endpoint: Endpoint;
  /** Channel variables from {…} and […], in order. */
  variables: Array<[string, string]>;
  channelName: string;
  /** The number the scenario matches callee rules against. */
  destination: string;
  /** mod_sofia profile (or "loopback"), for Caller-Source / variables. */
  profile: string;
  gateway?: string;
  context?: string;
  /** error/<cause>: the cause the error endpoint fails with. */
  errorCause?: string;
}

export type DialResult = { ok: true; target: DialTarget } | { ok: false; cause: string };

/** Split `a=b,c='x,y',d=e\,f` into pairs. */
export function parseVariableBlock(block: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let cur = "";
  let quote = false;
  const parts: string[] = [];
  for (let i = 0; i < block.length; i++) {
    const c = block[i]!;
    if (c === "\\" && block[i + 1] === ",") {
      cur += ",";
      i++;
    } else if (c === "'") {
      quote = !quote;
    } else if (c === "," && !quote) {
      parts.push(cur);
      cur = "";
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  for (const part of parts) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    out.push([part.slice(0, eq).trim(), part.slice(eq + 1)]);
  }
  return out;
}

/** Take leading {…} / […] / <…> variable blocks off a dial string. */
function stripVariables(dial: string): { rest: string; variables: Array<[string, string]> } {
  const variables: Array<[string, string]> = [];
  let rest = dial.trim();
  for (;;) {
    const open = rest[0];
    const close = open === "{" ? "}" : open === "[" ? "]" : open === "<" ? ">" : undefined;
    if (!close) break;
    const end = rest.indexOf(close);
    if (end < 0) break;
    variables.push(...parseVariableBlock(rest.slice(1, end)));
    rest = rest.slice(end + 1).trim();
  }
  return { rest, variables };
}

/** First leg of a multi-leg dial string (`,` simultaneous, `|` sequential), ignoring separators inside blocks. */
function firstLeg(dial: string): string {
  let depth = 0;
  for (let i = 0; i < dial.length; i++) {
    const c = dial[i]!;
    if (c === "{" || c === "[" || c === "<") depth++;
    else if (c === "}" || c === "]" || c === ">") depth--;
    else if ((c === "," || c === "|") && depth === 0) return dial.slice(0, i);
  }
  return dial;
}

export function parseDialString(dialString: string): DialResult {
  const { rest, variables } = stripVariables(firstLeg(dialString));
  const slash = rest.indexOf("/");
  const tech = (slash < 0 ? rest : rest.slice(0, slash)).toLowerCase();
  const data = slash < 0 ? "" : rest.slice(slash + 1);

  switch (tech) {
    case "sofia": {
      if (data.startsWith("gateway/")) {
        const [, gateway = "", ...numberParts] = data.split("/");
        const number = numberParts.join("/");
        if (!gateway || !number) return { ok: false, cause: "INVALID_GATEWAY" };
        return {
          ok: true,
          target: {
            endpoint: "sofia",
            variables,
            channelName: `sofia/external/${number}`,
            destination: number,
            profile: "external",
            gateway,
          },
        };
      }
      const [profile = "", ...uriParts] = data.split("/");
      const uri = uriParts.join("/").replace(/^sips?:/, "");
      if (!profile || !uri) return { ok: false, cause: "INVALID_URL" };
      const user = uri.split("@")[0] ?? uri;
      return {
        ok: true,
        target: { endpoint: "sofia", variables, channelName: `sofia/${profile}/${uri}`, destination: user, profile },
      };
    }
    case "user": {
      const [ext = "", domain = "127.0.0.1"] = data.split("@");
      if (!ext) return { ok: false, cause: "INVALID_URL" };
      return {
        ok: true,
        target: { endpoint: "user", variables, channelName: `sofia/internal/${ext}@${domain}`, destination: ext, profile: "internal" },
      };
    }
    case "loopback": {
      const [ext = "", context = "default"] = data.split("/");
      if (!ext) return { ok: false, cause: "INVALID_URL" };
      return {
        ok: true,
        target: { endpoint: "loopback", variables, channelName: `loopback/${ext}-a`, destination: ext, profile: "loopback", context },
      };
    }
    case "error": {
      // mod_dptools error endpoint: switch_channel_str2cause(dest), NONE → DESTINATION_OUT_OF_ORDER.
      const cause = str2cause(data) ?? "DESTINATION_OUT_OF_ORDER";
      return { ok: true, target: { endpoint: "error", variables, channelName: `error/${data}`, destination: data, profile: "error", errorCause: cause } };
    }
    default:
      return { ok: false, cause: "CHAN_NOT_IMPLEMENTED" };
  }
}

/** switch_separate_string on ' ', keeping {…}/[…] blocks and '…' quotes together. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let depth = 0;
  let quote = false;
  for (const c of text) {
    if (c === "'" && depth === 0) {
      // switch_separate_string groups '…' and drops the quotes.
      quote = !quote;
    } else if (c === "{" || c === "[") {
      depth++;
      cur += c;
    } else if (c === "}" || c === "]") {
      depth = Math.max(0, depth - 1);
      cur += c;
    } else if (c === " " && depth === 0 && !quote) {
      if (cur) out.push(cur);
      cur = "";
    } else {
      cur += c;
    }
  }
  if (cur) out.push(cur);
  return out;
}

export interface OriginateArgs {
  dialString: string;
  /** `&app(args)` form, or undefined for an extension to transfer to. */
  application?: { name: string; arg: string };
  extension?: string;
  dialplan: string;
  context: string;
  callerIdName?: string;
  callerIdNumber?: string;
  timeoutSec?: number;
}

export const ORIGINATE_SYNTAX =
  "<call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]";

/** mod_commands originate_function argument handling; undefined = print the usage. */
export function parseOriginateArgs(arg: string): OriginateArgs | undefined {
  const argv = splitArgs(arg.trim());
  if (argv.length < 2 || argv.length > 7) return undefined;
  const [dialString, exten, dialplan, context, cidName, cidNum, timeout] = argv as [string, string, ...Array<string | undefined>];
  const out: OriginateArgs = {
    dialString,
    dialplan: dialplan || "XML",
    context: context || "default",
  };
  if (cidName) out.callerIdName = cidName;
  if (cidNum) out.callerIdNumber = cidNum;
  if (timeout) {
    const t = Number.parseInt(timeout, 10);
    if (Number.isFinite(t) && t > 0) out.timeoutSec = t;
  }
  if (exten.startsWith("&") && exten.length > 1) {
    const body = exten.slice(1);
    const paren = body.indexOf("(");
    if (paren >= 0) {
      const close = body.lastIndexOf(")");
      out.application = { name: body.slice(0, paren), arg: body.slice(paren + 1, close > paren ? close : undefined) };
    } else {
      out.application = { name: body, arg: "" };
    }
  } else {
    out.extension = exten;
  }
  return out;
}
