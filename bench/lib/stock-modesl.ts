/**
 * A second, unpatched copy of modesl 1.2.1 in the same process, for baselines.
 *
 * Importing src/esl installs the guarded parser onto modesl's Parser.prototype
 * for the whole process. CommonJS modules are instances per require-cache
 * entry, so evicting modesl's files from the cache, requiring Connection.js
 * again (which requires a fresh ./Parser and ./Event) and then putting the
 * original entries back gives a Connection class whose parser is stock
 * modesl's, while every other importer keeps the guarded one.
 */
import { createRequire } from "node:module";
import { isGuardedParserInstalled } from "../../src/esl/index.ts";

const require = createRequire(import.meta.url);

/** The stock constructor: `new StockConnection(host, port, password)` as modesl documents it. */
export type StockConnection = {
  socket: import("node:net").Socket;
  on(event: string, listener: (...args: any[]) => void): unknown;
  once(event: string, listener: (...args: any[]) => void): unknown;
  events(format: string, names: string[], cb?: () => void): void;
  disconnect(): void;
};

export function loadStockModesl(): { Connection: new (host: string, port: number, password: string) => StockConnection } {
  const connectionPath = require.resolve("modesl/lib/esl/Connection.js");
  const dir = connectionPath.slice(0, -"Connection.js".length);
  // Connection.js requires these two relatively; both must be fresh.
  const paths = [connectionPath, `${dir}Parser.js`, `${dir}Event.js`];
  const saved = new Map(paths.map((p) => [p, require.cache[p]]));
  for (const p of paths) delete require.cache[p];
  let Connection: new (host: string, port: number, password: string) => StockConnection;
  let parserProto: Record<string, unknown>;
  try {
    Connection = require(connectionPath);
    parserProto = require(`${dir}Parser.js`).prototype;
  } finally {
    for (const [p, mod] of saved) {
      if (mod) require.cache[p] = mod;
      else delete require.cache[p];
    }
  }
  // Both facts must hold, or the "baseline" would silently be our own parser.
  if (!isGuardedParserInstalled()) throw new Error("expected src/esl to have installed the guarded parser");
  if (parserProto.__switchboardGuarded === true || !String(parserProto._onData).includes("Buffer.concat")) {
    throw new Error("the fresh modesl copy is not stock modesl: the baseline would be invalid");
  }
  return { Connection };
}
