/**
 * mod_hash's in-memory table: the `hash` application (vanilla's default
 * context runs it on every call) and the `hash` api. Keys are
 * "<realm>_<key>", as mod_hash.c builds them.
 */

import type { SwitchCore } from "./switch-core.ts";

/** switch_separate_string(data, '/', argv, 4): the fourth field keeps any further slashes. */
function separate(arg: string): string[] {
  if (arg === "") return [];
  const out: string[] = [];
  let rest = arg;
  while (out.length < 3) {
    const slash = rest.indexOf("/");
    if (slash < 0) break;
    out.push(rest.slice(0, slash));
    rest = rest.slice(slash + 1);
  }
  out.push(rest);
  return out;
}

/** hash_function (the app): insert|insert_ifempty|delete|delete_ifmatch/realm/key[/value]; bad input only logs its usage. */
export function hashApplication(core: SwitchCore, arg: string): void {
  const [op = "", realm, key, value] = separate(arg);
  if (realm === undefined || key === undefined || op === "") return;
  const id = `${realm}_${key}`;
  const store = core.hashStore;
  switch (op.toLowerCase()) {
    case "insert":
      if (value !== undefined) store.set(id, value);
      break;
    case "insert_ifempty":
      if (value !== undefined && !store.has(id)) store.set(id, value);
      break;
    case "delete":
      store.delete(id);
      break;
    case "delete_ifmatch":
      if (value !== undefined && store.get(id) === value) store.delete(id);
      break;
  }
}

/** hash_api_function: the same operations plus select, with mod_hash's replies. */
export function hashApi(core: SwitchCore, arg: string): string {
  const usage = "-ERR Usage: hash insert|insert_ifempty|select|delete|delete_ifmatch/realm/key[/value]\n";
  const [op = "", realm, key, value] = separate(arg);
  if (realm === undefined || key === undefined || op === "") return usage;
  const id = `${realm}_${key}`;
  const store = core.hashStore;
  switch (op.toLowerCase()) {
    case "insert":
      if (value === undefined) return usage;
      store.set(id, value);
      return "+OK\n";
    case "insert_ifempty":
      if (value === undefined) return usage;
      if (store.has(id)) return "-ERR key already exists\n";
      store.set(id, value);
      return "+OK\n";
    case "delete":
      return store.delete(id) ? "+OK\n" : "-ERR Not found\n";
    case "delete_ifmatch":
      if (value === undefined) return usage;
      if (!store.has(id)) return "-ERR Not found\n";
      if (store.get(id) !== value) return "-ERR Doesn't match\n";
      store.delete(id);
      return "+OK\n";
    case "select":
      return store.get(id) ?? "";
    default:
      return usage;
  }
}
