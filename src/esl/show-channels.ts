/**
 * `show channels as json` → ChannelSummary[].
 *
 * mod_commands writes `{"row_count":N,"rows":[{…}]}` with every value a string,
 * and exactly `{"row_count": 0}\n` (no "rows") when there are none. Column names
 * come from the core db's channels table (switch_core_sqldb.c): uuid, direction,
 * created_epoch, name, state, cid_name, cid_num, dest, callstate, …
 */
import { EslCommandError } from "./errors.ts";
import type { CallDirection, ChannelSummary } from "../../machines/switch/index.ts";

function field(row: Record<string, unknown>, name: string): string {
  const v = row[name];
  return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
}

export function parseShowChannels(body: string): ChannelSummary[] {
  const text = body.trim();
  if (text.startsWith("-ERR") || text.startsWith("-USAGE")) throw new EslCommandError(`show channels failed: ${text}`, text);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new EslCommandError(`show channels returned no JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  if (typeof data !== "object" || data === null) throw new EslCommandError("show channels returned an unexpected shape");
  const rows = (data as { rows?: unknown }).rows;
  if (rows === undefined) return [];
  if (!Array.isArray(rows)) throw new EslCommandError("show channels: rows is not a list");
  const out: ChannelSummary[] = [];
  for (const raw of rows) {
    if (typeof raw !== "object" || raw === null) continue;
    const row = raw as Record<string, unknown>;
    const uuid = field(row, "uuid");
    if (uuid === "") continue;
    const created = Number(field(row, "created_epoch"));
    out.push({
      uuid,
      direction: (field(row, "direction") === "outbound" ? "outbound" : "inbound") as CallDirection,
      name: field(row, "name"),
      state: field(row, "state"),
      callState: field(row, "callstate"),
      callerIdNumber: field(row, "cid_num"),
      callerIdName: field(row, "cid_name"),
      destination: field(row, "dest"),
      createdEpoch: Number.isFinite(created) ? created : 0,
    });
  }
  return out;
}
