/**
 * The esl bench's two listeners on the simulated switch, each with a tap on
 * its socket's 'data' emit so every chunk is stamped before either parser
 * sees it: ours (EslInboundClient) and stock modesl 1.2.1. Also the switch
 * connection details both the live and the replay phase dial with. Kept apart
 * from bench/esl.ts so the phases read as what they drive, not how they listen.
 */
import type { Socket } from "node:net";
import { EslInboundClient, KNOWN_EVENT_NAMES, type SwitchEvent } from "../../src/esl/index.ts";
import { loadStockModesl, type StockConnection } from "./stock-modesl.ts";

export const HOST = "127.0.0.1";
export const PASSWORD = "ClueCon";
export const EVENT_NAMES = [...KNOWN_EVENT_NAMES];
export const Stock = loadStockModesl();

/** Wrap a socket's emit so every 'data' chunk is seen (and stamped) before its listeners run. */
export function tapData(socket: Socket, onChunk: (chunk: Buffer, at: number) => void): void {
  const emit = socket.emit;
  socket.emit = function (this: Socket, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "data") onChunk(args[0] as Buffer, performance.now());
    return emit.apply(this, [event, ...args] as Parameters<typeof emit>);
  } as typeof socket.emit;
}

export interface Samples {
  events: number;
  destroys: number;
  bytes: number;
  chunks: number;
  /** chunk arrival ('data' emitted) → handler ran, ms. */
  fromChunk: number[];
  /** Event-Date-Timestamp (the simulator's clock when it built the event) → handler ran, ms. */
  fromSwitch: number[];
}

export function newSamples(): Samples {
  return { events: 0, destroys: 0, bytes: 0, chunks: 0, fromChunk: [], fromSwitch: [] };
}

export interface OurProbe {
  client: EslInboundClient;
  samples: Samples;
  /** receivedAt (guarded parser's stamp) → handler ran, ms. */
  fromStamp: number[];
  /** receivedAt − chunk arrival, ms: how far the parser's stamp is from the socket's 'data'. */
  stampGap: number[];
  capture: { on: boolean; chunks: Buffer[]; bytes: number };
}

/** `captureCap`: the most bytes kept for the replay phase (what the client received while capture is on). */
export async function startOurProbe(port: number, format: "json" | "plain", captureCap: number): Promise<OurProbe> {
  const client = new EslInboundClient({ host: HOST, port, password: PASSWORD, events: EVENT_NAMES });
  const probe: OurProbe = { client, samples: newSamples(), fromStamp: [], stampGap: [], capture: { on: false, chunks: [], bytes: 0 } };
  // Chunk arrival times, in order; an event belongs to the last chunk that arrived before its receivedAt
  // (the parser stamps receivedAt inside the same synchronous 'data' dispatch, just after our wrapper).
  const chunkTimes: number[] = [];
  let ci = 0;
  client.onEvent((e: SwitchEvent) => {
    const now = performance.now();
    const s = probe.samples;
    s.events++;
    while (ci + 1 < chunkTimes.length && chunkTimes[ci + 1]! <= e.receivedAt) ci++;
    const chunkAt = chunkTimes[ci] ?? e.receivedAt;
    s.fromChunk.push(now - chunkAt);
    probe.fromStamp.push(now - e.receivedAt);
    probe.stampGap.push(e.receivedAt - chunkAt);
    s.fromSwitch.push(performance.timeOrigin + now - e.switchTimeMs);
    if (e.kind === "channel.destroy") s.destroys++;
  });
  const starting = client.start();
  // start() opened the socket synchronously; no byte can arrive before this turn of the loop ends.
  // (A private field, read here only: the bench must see chunks before modesl's parser does.)
  const socket = (client as unknown as { socket: Socket | null }).socket;
  if (!socket) throw new Error("EslInboundClient has no socket right after start(): the bench's tap cannot attach");
  tapData(socket, (chunk, at) => {
    chunkTimes.push(at);
    probe.samples.bytes += chunk.length;
    probe.samples.chunks++;
    const cap = probe.capture;
    if (cap.on && cap.bytes + chunk.length <= captureCap) {
      cap.chunks.push(Buffer.from(chunk));
      cap.bytes += chunk.length;
    }
  });
  await starting;
  if (format === "plain") {
    // The client subscribes in json; `event plain` switches this listener's format (mod_event_socket keeps one
    // format per listener). Its command/reply finds modesl's reply queue empty and is ignored.
    socket.write(`event plain ${EVENT_NAMES.join(" ")}\n\n`);
    await Bun.sleep(200);
  }
  return probe;
}

export interface StockProbe {
  conn: StockConnection;
  samples: Samples;
  parserErrors: number;
}

export async function startStockProbe(port: number, format: "json" | "plain"): Promise<StockProbe> {
  const conn = new Stock.Connection(HOST, port, PASSWORD);
  const probe: StockProbe = { conn, samples: newSamples(), parserErrors: 0 };
  let chunkAt = 0;
  tapData(conn.socket, (chunk, at) => {
    chunkAt = at;
    probe.samples.bytes += chunk.length;
    probe.samples.chunks++;
  });
  // Stock modesl emits parser errors (bad JSON, URIError is thrown instead) as 'error'.
  conn.on("error", () => probe.parserErrors++);
  // The handler a modesl user writes: every event, reading its name and channel. Stock modesl delivers
  // synchronously inside the socket's 'data' dispatch, so chunkAt is this event's chunk.
  conn.on("esl::event::**", (event: { getHeader(name: string): unknown }, headers: Record<string, unknown> | undefined) => {
    const ct = headers?.["Content-Type"];
    if (ct !== "text/event-json" && ct !== "text/event-plain") return;
    const now = performance.now();
    const name = event.getHeader("Event-Name");
    event.getHeader("Unique-ID");
    const s = probe.samples;
    s.events++;
    s.fromChunk.push(now - chunkAt);
    s.fromSwitch.push(performance.timeOrigin + now - Number(event.getHeader("Event-Date-Timestamp")) / 1000);
    if (name === "CHANNEL_DESTROY") s.destroys++;
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("stock modesl: no esl::ready within 5 s")), 5000);
    conn.once("esl::ready", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await new Promise<void>((resolve) => conn.events(format, EVENT_NAMES, () => resolve()));
  return probe;
}

export async function stopStock(conn: StockConnection): Promise<void> {
  const socket = conn.socket;
  if (!socket || socket.destroyed) return;
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.end("exit\n\n");
  const timer = setTimeout(() => socket.destroy(), 1000);
  await closed;
  clearTimeout(timer);
}
