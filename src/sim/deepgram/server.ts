/**
 * The simulated Deepgram live server: `GET /v1/listen` upgraded to a
 * WebSocket, as wss://api.deepgram.com serves it, on a loopback port.
 *
 * Handshake, as the real service does it:
 *   - `Authorization: Token <key>` (or the browser form, subprotocols
 *     `token, <key>`, which @deepgram/sdk 5 uses where headers cannot be set —
 *     CustomClient.mjs getWebSocketOptions); a wrong key gets HTTP 401 with
 *     `{"err_code":"INVALID_AUTH","err_msg":"Invalid credentials.","request_id"}`
 *     (developers.deepgram.com/reference/errors), which the SDK reports as a
 *     close then an error "Unexpected server response: 401";
 *   - every answer carries `dg-request-id`, a refusal also `dg-error`
 *     (developers.deepgram.com/changelog/2022/11/8);
 *   - options are query parameters (listen-params.ts); a bad one is a 400.
 */

import type { Server, ServerWebSocket } from "bun";
import { childLog } from "../../log.ts";
import { parseListenParams } from "./listen-params.ts";
import { ListenSession, type RecogniserTuning, type ServiceLatency, type SessionCounters, type SessionSocketData } from "./session.ts";

const log = childLog({ mod: "sim.deepgram" });

export interface SimulatedDeepgramOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** The API key clients must present; default "sim-deepgram-key". */
  apiKey?: string;
  /** Service latencies; defaults finalMs 300, interimMs 100, eventMs 20, finalizeMs 50. */
  latency?: Partial<ServiceLatency>;
  /** Recognition cadence on the audio clock (see recogniser.ts for the defaults). */
  recogniser?: RecogniserTuning;
  /** Close 1011 (NET-0001) after this long with neither audio nor a text message; default 10000 ms. */
  idleTimeoutMs?: number;
}

/** Failures a test can inject; they apply to connections made after they are set. */
export interface DeepgramFaults {
  /** Refuse every handshake with this HTTP status (e.g. 503); null accepts. */
  refuseStatus: number | null;
  /** Close each new stream this long after it opens, with this code and reason. */
  closeAfter: { ms: number; code: number; reason: string } | null;
}

export interface SimulatedDeepgramCounters extends SessionCounters {
  /** Streams opened (handshakes upgraded). */
  connections: number;
  active: number;
  /** Handshakes refused: wrong or missing key. */
  unauthorised: number;
  /** Handshakes refused: bad options. */
  badRequests: number;
  /** Handshakes refused by an injected fault. */
  refused: number;
  faultCloses: number;
}

/** What a test can check about a stream: what the client asked for, and how it ended. */
export interface ListenStreamInfo {
  requestId: string;
  query: Record<string, string>;
  authorization: string | null;
  userAgent: string | null;
  audioSec: number;
  closeCode: number | null;
  closeReason: string | null;
}

const HISTORY = 64;

export class SimulatedDeepgram {
  readonly faults: DeepgramFaults = { refuseStatus: null, closeAfter: null };
  readonly counters: SimulatedDeepgramCounters = {
    connections: 0,
    active: 0,
    unauthorised: 0,
    badRequests: 0,
    refused: 0,
    faultCloses: 0,
    audioBytes: 0,
    keepAlives: 0,
    finalizes: 0,
    closeStreams: 0,
    idleTimeouts: 0,
    ignoredMessages: 0,
    sent: {},
  };
  private server: Server<SessionSocketData> | null = null;
  private readonly sessions = new Set<ListenSession>();
  private readonly history: (ListenStreamInfo & { session: ListenSession | null })[] = [];
  private readonly latency: ServiceLatency;
  private readonly apiKey: string;

  constructor(private readonly opts: SimulatedDeepgramOptions = {}) {
    this.apiKey = opts.apiKey ?? "sim-deepgram-key";
    this.latency = { finalMs: 300, interimMs: 100, eventMs: 20, finalizeMs: 50, ...opts.latency };
  }

  async start(): Promise<{ port: number; url: string }> {
    if (!this.server) {
      this.server = Bun.serve<SessionSocketData>({
        hostname: this.opts.host ?? "127.0.0.1",
        port: this.opts.port ?? 0,
        fetch: (req, server) => this.handshake(req, server),
        websocket: {
          // The stream's own idle rule (NET-0001) is the only one; no compression, as the SDK's ws asks but needs none.
          idleTimeout: 0,
          perMessageDeflate: false,
          open: (ws) => this.opened(ws),
          message: (ws, message) => {
            const session = ws.data.session;
            if (!session) return;
            if (typeof message === "string") session.onText(message);
            else session.onAudio(message);
          },
          close: (ws, code, reason) => this.closed(ws, code, reason),
        },
      });
    }
    return { port: this.port, url: this.url };
  }

  async stop(): Promise<void> {
    for (const session of this.sessions) session.closeWith(1001, "server shutting down");
    await this.server?.stop(true);
    this.server = null;
  }

  get port(): number {
    return this.server?.port ?? 0;
  }

  /** The base URL to give the SDK (`new DeepgramClient({ baseUrl })`). */
  get url(): string {
    return `ws://${this.opts.host ?? "127.0.0.1"}:${this.port}`;
  }

  /** Close every live stream now, as a failing service would (e.g. 1011). */
  closeAll(code: number, reason: string): void {
    for (const session of this.sessions) {
      this.counters.faultCloses++;
      session.closeWith(code, reason);
    }
  }

  /** The most recent streams, oldest first. */
  streams(): ListenStreamInfo[] {
    return this.history.map(({ session, ...info }) => ({ ...info, audioSec: session?.audioSec ?? 0 }));
  }

  private handshake(req: Request, server: Server<SessionSocketData>): Response | undefined {
    const url = new URL(req.url);
    const requestId = crypto.randomUUID();
    const refuse = (status: number, body: Record<string, string>): Response => {
      const text = JSON.stringify({ ...body, request_id: requestId });
      log.debug({ status, requestId, err: body.err_msg }, "listen handshake refused");
      return new Response(text, { status, headers: { "content-type": "application/json", "dg-request-id": requestId, "dg-error": text } });
    };
    if (url.pathname !== "/v1/listen") return refuse(404, { err_code: "NOT_FOUND", err_msg: `No route for ${url.pathname}` });
    if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return refuse(400, { err_code: "Bad Request", err_msg: "The simulator serves live streaming only: expected a WebSocket upgrade." });
    }
    if (this.faults.refuseStatus !== null) {
      this.counters.refused++;
      return refuse(this.faults.refuseStatus, { err_code: "SERVICE_UNAVAILABLE", err_msg: "Service unavailable (injected fault)." });
    }
    const auth = this.authenticate(req);
    if (!auth.ok) {
      this.counters.unauthorised++;
      return refuse(401, { err_code: "INVALID_AUTH", err_msg: "Invalid credentials." });
    }
    const parsed = parseListenParams(url.searchParams);
    if (!parsed.ok) {
      this.counters.badRequests++;
      return refuse(400, { err_code: "INVALID_QUERY_PARAMETER", err_msg: parsed.message });
    }
    const headers: Record<string, string> = { "dg-request-id": requestId };
    if (auth.subprotocol) headers["sec-websocket-protocol"] = auth.subprotocol;
    // Recorded first: Bun may run the socket's open handler inside upgrade().
    const info = {
      requestId,
      query: Object.fromEntries(url.searchParams),
      authorization: req.headers.get("authorization"),
      userAgent: req.headers.get("user-agent"),
      audioSec: 0,
      closeCode: null,
      closeReason: null,
      session: null, // set when the socket opens
    };
    this.history.push(info);
    if (this.history.length > HISTORY) this.history.shift();
    if (server.upgrade(req, { headers, data: { requestId, params: parsed.params } })) return undefined;
    this.history.splice(this.history.indexOf(info), 1);
    return refuse(400, { err_code: "Bad Request", err_msg: "WebSocket upgrade failed." });
  }

  private authenticate(req: Request): { ok: boolean; subprotocol?: string } {
    const header = req.headers.get("authorization");
    if (header !== null) {
      const token = /^token\s+(.+)$/i.exec(header.trim());
      return { ok: token?.[1] === this.apiKey };
    }
    const protocols = (req.headers.get("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
    const at = protocols.indexOf("token");
    if (at >= 0 && protocols[at + 1] === this.apiKey) return { ok: true, subprotocol: "token" };
    return { ok: false };
  }

  private opened(ws: ServerWebSocket<SessionSocketData>): void {
    const { requestId, params } = ws.data;
    const session = new ListenSession(ws, requestId, params, this.latency, this.opts.recogniser ?? {}, this.opts.idleTimeoutMs ?? 10_000, this.counters);
    ws.data.session = session;
    this.sessions.add(session);
    const info = this.history.find((h) => h.requestId === requestId);
    if (info) info.session = session;
    this.counters.connections++;
    this.counters.active++;
    const fault = this.faults.closeAfter;
    if (fault) {
      setTimeout(() => {
        if (session.closed) return;
        this.counters.faultCloses++;
        session.closeWith(fault.code, fault.reason);
      }, fault.ms);
    }
  }

  private closed(ws: ServerWebSocket<SessionSocketData>, code: number, reason: string): void {
    const session = ws.data.session;
    if (!session) return;
    session.onClosed();
    this.sessions.delete(session);
    this.counters.active--;
    const info = this.history.find((h) => h.session === session);
    if (info) {
      info.closeCode = code;
      info.closeReason = reason;
    }
  }
}
