/**
 * Wires config → adapters → runtime → HTTP, and shuts down gracefully.
 *
 * With no configuration it runs the embedded defaults: the switch simulator in
 * process on a loopback port (spoken to over the real ESL wire protocol),
 * PGlite on disk, the in-process bus. ESL_HOST and DATABASE_URL switch to a
 * real FreeSWITCH and PostgreSQL.
 */
import { loadConfig, ConfigError, type Config } from "./config.ts";
import { dialplanSocketTarget } from "./dialplan-target.ts";
import { openDatabase, type Database } from "./db/client.ts";
import { JournalWriter } from "./db/journal.ts";
import { countApiKeys, createApiKey, ensureApiKey, verifyApiKey } from "./db/queries/api-keys.ts";
import { EslInboundClient, EslOutboundServer } from "./esl/index.ts";
import { addressesOf } from "./esl/outbound-admission.ts";
import { createApp } from "./http/app.ts";
import { log } from "./log.ts";
import { ActorHost } from "./runtime/actor-host.ts";
import { createCallKind } from "./runtime/call-kind.ts";
import { CallRuntime } from "./runtime/call-runtime.ts";
import { inboundGate } from "./runtime/inbound-gate.ts";
import { CallReconciler } from "./runtime/reconcile.ts";
import { createRuntimeMetrics } from "./runtime/runtime-metrics.ts";
import { SwitchExecutor } from "./runtime/switch-executor.ts";
import { SwitchRouter } from "./runtime/switch-router.ts";
import { loadScenario, SwitchSimulator } from "./sim/index.ts";

export interface Switchboard {
  /** The HTTP API's base URL. */
  url: string;
  port: number;
  /** The embedded simulator, when no ESL_HOST is configured. */
  simulator?: SwitchSimulator;
  /** Every live actor, of every kind. */
  host: ActorHost;
  /** Calls on top of the host: place, adopt, command, view, resume. */
  runtime: CallRuntime;
  link: EslInboundClient;
  database: Database;
  journal: JournalWriter;
  outbound: EslOutboundServer;
  outboundSocketPort: number;
  /** A key created on this start (printed once), when none existed. */
  createdApiKey?: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Use this simulator instead of starting one (tests, benchmarks). */
  simulator?: SwitchSimulator;
  /** Options for the ESL client (tests shorten the reconnect delays). */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
}

export async function startSwitchboard(config: Config, options: StartOptions = {}): Promise<Switchboard> {
  let simulator = options.simulator;
  let ownSimulator = false;
  if (config.esl.embedded && !simulator) {
    const scenario = config.sim.scenario ? loadScenario(config.sim.scenario) : undefined;
    simulator = new SwitchSimulator({ port: 0, password: config.esl.password, scenario });
    await simulator.start();
    ownSimulator = true;
    log.info({ port: simulator.port }, "embedded switch simulator listening on 127.0.0.1 (ESL)");
  }

  const database = await openDatabase({ url: config.database.url, dataDir: config.database.pgliteDir });
  const journal = new JournalWriter(database.db);
  const metrics = createRuntimeMetrics();
  const link = new EslInboundClient({
    host: config.esl.embedded ? "127.0.0.1" : config.esl.host!,
    port: config.esl.embedded ? simulator!.port : config.esl.port,
    password: config.esl.password,
    reconnect: options.reconnect,
  });

  // One actor host for every kind; the switch's road in (router) and out (executor).
  const host = new ActorHost({ journal, metrics });
  const router = new SwitchRouter(host, link, metrics);
  const executor = new SwitchExecutor(host, link, metrics, () => router.dispatchingSince);
  host.register(createCallKind({ executor, link, journal, metrics }));
  const runtime = new CallRuntime({
    host,
    link,
    journal,
    metrics,
    tts: config.tts,
    inboundGreeting: config.calls.inboundGreeting,
    maxConcurrentCalls: config.calls.maxConcurrent,
    maxInboundCalls: config.outboundSocketGuard.maxInboundCalls,
  });
  // Calls the database has as live are checked against the switch on every
  // resync: resumed when the switch still has them, closed when it does not.
  const reconciler = new CallReconciler({ db: database.db, runtime, journal, link, metrics });
  // Both listen before the link starts, so the first resync (live calls from
  // before a restart) reaches them.
  router.start();
  link.on("resync", (report) => void reconciler.onResync(report));
  await link.start();
  // The API must not show a call as live that the switch no longer has.
  await reconciler.whenIdle();

  const guard = config.outboundSocketGuard;
  const allow = guard.allow ?? (config.esl.embedded ? ["127.0.0.1", "::1"] : await switchAddresses(config.esl.host!));
  const outbound = new EslOutboundServer({
    admission: {
      allow,
      ratePerSec: guard.ratePerSec,
      handshakeBytes: guard.handshakeBytes,
      maxBufferedBytes: guard.maxBufferedBytes,
    },
    vet: inboundGate(link),
  });
  const { port: outboundSocketPort } = await outbound.listen({ host: config.outboundSocket.host, port: config.outboundSocket.port });
  outbound.on("refused", (refusal) => metrics.outboundSocketRefused.inc({ reason: refusal.reason }));
  outbound.on("channel", (session) => {
    metrics.callsInbound.inc();
    if (!runtime.adoptInbound(session.channelData)) void session.exit();
  });

  let createdApiKey: string | undefined;
  if (config.apiKey) await ensureApiKey(database.db, config.apiKey);
  else if ((await countApiKeys(database.db, { activeOnly: true })) === 0) {
    createdApiKey = (await createApiKey(database.db, "first-start")).key;
  }

  const app = createApp({
    host,
    runtime,
    database,
    link,
    metrics,
    dialGateway: config.calls.dialGateway ?? (config.esl.embedded ? "carrier" : undefined),
    keys: { verify: async (key) => (await verifyApiKey(database.db, key)) !== null },
    edge: config.edge,
    journal,
  }).listen({ hostname: config.http.host, port: config.http.port });
  const port = app.server!.port!;
  const url = `http://${config.http.host === "0.0.0.0" ? "127.0.0.1" : config.http.host}:${port}`;

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      runtime.stopAccepting();
      await app.stop();
      await outbound.close();
      // Live calls stay up on the switch: their snapshots are persisted and a restart resumes them.
      router.stop();
      await host.shutdown();
      await journal.close();
      await link.stop();
      if (ownSimulator) await simulator!.stop();
      metrics.eventLoopLag.stop();
      await database.close();
    })());

  return { url, port, simulator, host, runtime, link, database, journal, outbound, outboundSocketPort, createdApiKey, stop };
}

/** The default OUTBOUND_SOCKET_ALLOW: where the switch we talk ESL to lives. */
async function switchAddresses(eslHost: string): Promise<string[]> {
  try {
    return await addressesOf(eslHost);
  } catch (err) {
    throw new ConfigError([
      { variable: "OUTBOUND_SOCKET_ALLOW", message: `unset, and ESL_HOST ${eslHost} could not be resolved to addresses (${(err as Error).message}); set it` },
    ]);
  }
}

/** Where the socket listens, and what the dialplan must dial: not a wildcard address. */
function outboundSocketLine(config: Config, port: number): string {
  const target = dialplanSocketTarget(config.outboundSocket, port);
  const hint = target.guessed ? ` (guessed from this host's interfaces: set OUTBOUND_SOCKET_ADVERTISE to the address FreeSWITCH reaches)` : "";
  return `Outbound socket listening on ${config.outboundSocket.host}:${port}; the dialplan's socket action dials '${target.address} async full'${hint}`;
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`switchboard: bad configuration\n${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  const sb = await startSwitchboard(config);
  const lines = [
    `Switchboard API listening on ${sb.url}  (OpenAPI: ${sb.url}/docs)`,
    config.esl.embedded
      ? `Switch: embedded simulator, ESL on 127.0.0.1:${sb.simulator!.port} (password ${config.esl.password})`
      : `Switch: FreeSWITCH at ${config.esl.host}:${config.esl.port}`,
    outboundSocketLine(config, sb.outboundSocketPort),
    `Database: ${sb.database.kind === "pglite" ? `embedded PGlite in ${config.database.pgliteDir}` : "PostgreSQL"}`,
  ];
  if (sb.createdApiKey) {
    lines.push(`API key (shown once, only its hash is stored): ${sb.createdApiKey}`);
  } else if (!config.apiKey) {
    lines.push("API key: one exists already (set SWITCHBOARD_API_KEY to choose your own)");
  }
  console.log(lines.join("\n"));

  const shutdown = (signal: string) => {
    log.info({ signal }, "shutting down: no new calls, flushing journals");
    sb.stop().then(
      () => process.exit(0),
      (err) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
}

if (import.meta.main) {
  main().catch((err) => {
    log.fatal({ err }, "switchboard failed to start");
    process.exit(1);
  });
}
