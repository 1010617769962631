/**
 * Wires config → adapters → runtime → HTTP, and shuts down gracefully.
 *
 * With no configuration it runs the embedded defaults: the switch simulator in
 * process on a loopback port (spoken to over the real ESL wire protocol), the
 * simulated Deepgram and the simulated OpenAI (an offline rule-based responder,
 * not a model) on loopback ports with keys made at start, PGlite on disk, the
 * in-process bus. ESL_HOST, DEEPGRAM_API_KEY, OPENAI_API_KEY and DATABASE_URL
 * switch to a real FreeSWITCH, Deepgram, OpenAI and PostgreSQL. Only this
 * file's embedded-default branches and src/startup/ (speech services, demo
 * calls) know a simulator is there: the adapters speak the real protocols to
 * whatever URL they are given.
 */
import type { VoiceSpec } from "../machines/ports/index.ts";
import { safetyFromConfig } from "./ai/safety/index.ts";
import { loadConfig, ConfigError, withEmbeddedDemo, type Config } from "./config.ts";
import { openDatabase } from "./db/client.ts";
import { JournalWriter } from "./db/journal.ts";
import { countApiKeys, createApiKey, ensureApiKey, verifyApiKey } from "./db/queries/api-keys.ts";
import { EslInboundClient, EslOutboundServer } from "./esl/index.ts";
import { createApp } from "./http/app.ts";
import { log } from "./log.ts";
import { AUDIO_STREAM_SUBCLASSES, MediaServer } from "./media/index.ts";
import { ActorHost } from "./runtime/actor-host.ts";
import { createCallKind } from "./runtime/call-kind.ts";
import { CallRuntime } from "./runtime/call-runtime.ts";
import { conversationSink } from "./runtime/conversation-record.ts";
import { createConversationKind } from "./runtime/conversation-kind.ts";
import { registerConversationMetrics } from "./runtime/conversation-metrics.ts";
import { ConversationRuntime } from "./runtime/conversation-runtime.ts";
import type { ConversationSpec } from "./runtime/conversation-api.ts";
import { receptionistSpec, routeInbound } from "./runtime/receptionist-conversation.ts";
import { PostCallAnalyser } from "./runtime/post-call.ts";
import { TextSessions } from "./runtime/text-sessions.ts";
import { inboundGate } from "./runtime/inbound-gate.ts";
import { CallReconciler } from "./runtime/reconcile.ts";
import { closeOrphanedConversations } from "./runtime/conversation-reconcile.ts";
import { createRuntimeMetrics } from "./runtime/runtime-metrics.ts";
import { SwitchExecutor } from "./runtime/switch-executor.ts";
import { SwitchRouter } from "./runtime/switch-router.ts";
import { ToolRegistry } from "./runtime/tool-registry.ts";
import { SwitchSimulator } from "./sim/index.ts";
import { embeddedScenario, placeDemoCall, placeReceptionistDemoCall } from "./startup/demo-calls.ts";
import { defaultVoice, startSpeechServices, type SpeechServices } from "./startup/speech-services.ts";
import { mediaAdvertise, outboundSocketLine, switchAddresses } from "./startup/switch-addresses.ts";
import type { StartOptions, Switchboard } from "./startup/switchboard.ts";

// Importable from here as before these moved to src/startup/.
export type { StartOptions, Switchboard } from "./startup/switchboard.ts";
export { DEMO_CALLER_NUMBER, DEMO_RECEPTIONIST_NUMBER } from "./startup/demo-calls.ts";

export async function startSwitchboard(config: Config, options: StartOptions = {}): Promise<Switchboard> {
  let simulator = options.simulator;
  let ownSimulator = false;
  if (config.esl.embedded && !simulator) {
    simulator = new SwitchSimulator({ port: 0, password: config.esl.password, scenario: embeddedScenario(config) });
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
    // mod_audio_stream's ::connect / ::disconnect / ::error: a conversation hears whether the caller's audio flows.
    customSubclasses: [...AUDIO_STREAM_SUBCLASSES],
  });

  // The caller-audio edge and the speech services a conversation speaks through.
  const mediaTarget = mediaAdvertise(config);
  const media = new MediaServer({
    host: config.media.host,
    port: config.media.port,
    advertiseHost: mediaTarget.host,
    tokenTtlMs: config.media.tokenTtlMs,
  });
  await media.start();
  let speech: SpeechServices;
  try {
    speech = await startSpeechServices(config, options);
  } catch (err) {
    await media.stop();
    throw err;
  }

  // One actor host for every kind; the switch's road in (router) and out (executor).
  const host = new ActorHost({ journal, metrics });
  const router = new SwitchRouter(host, link, metrics);
  const executor = new SwitchExecutor(host, link, metrics, () => router.dispatchingSince);
  host.register(createCallKind({ executor, link, journal, metrics }));
  const tools = options.tools ?? new ToolRegistry();
  const postCall = new PostCallAnalyser({ db: database.db, journal, model: config.analysis.enabled ? speech.analysis : null, concurrency: config.analysis.concurrency });
  // Prompt probes, leaks, blocked topics and (OPENAI_MODERATION) moderation, around every model request.
  const safety = safetyFromConfig({
    settings: config.safety,
    openai: speech.openai ? { apiKey: speech.openai.apiKey, baseURL: speech.openai.baseURL } : { apiKey: config.llm.apiKey ?? "", baseURL: config.llm.baseUrl },
    secrets: [config.llm.apiKey, config.stt.apiKey, speech.openai?.apiKey],
    journal: (id, name, data) => host.journal(id, "event", name, data),
    metrics,
  });
  host.register(
    createConversationKind({
      stt: speech.stt,
      sttOptions: {
        sampleRate: AUDIO_SAMPLE_RATE,
        model: config.stt.model,
        language: config.stt.language,
        endpointingMs: config.stt.endpointingMs,
        utteranceEndMs: config.stt.utteranceEndMs,
      },
      llm: speech.llm,
      tts: speech.tts,
      tools,
      media,
      audio: { sampleRate: AUDIO_SAMPLE_RATE, heartBeatSec: config.media.heartBeatSec },
      metrics,
      // A warm transfer's agent leg is placed like POST /v1/calls (the call runtime, made below).
      warmTransfer: { host, place: (request) => runtime.place(request), holdAudio: config.calls.holdAudio },
      // Every change of a conversation and its end: a row in the conversations table, through the journal.
      // An ended one is then analysed (post-call.ts).
      sink: postCall.sink(options.conversationSink ?? conversationSink(journal)),
      safety,
    }),
  );
  registerConversationMetrics(metrics, { media, tts: speech.openaiTts });
  const conversations = new ConversationRuntime({
    host,
    defaults: { model: config.llm.model, voice: defaultVoice(config), ...(options.conversationSettings ? { settings: options.conversationSettings } : {}) },
    tools,
    safety,
    inbound: config.conversations.inboundPrompt
      ? { systemPrompt: config.conversations.inboundPrompt, ...(config.conversations.inboundFirstMessage ? { firstMessage: config.conversations.inboundFirstMessage } : {}) }
      : undefined,
  });
  const runtime = new CallRuntime({
    host,
    link,
    journal,
    metrics,
    tts: config.tts,
    inboundGreeting: config.calls.inboundGreeting,
    maxConcurrentCalls: config.calls.maxConcurrent,
    maxInboundCalls: config.outboundSocketGuard.maxInboundCalls,
    inboundConversation: {
      spec: () => conversations.inboundSpec(),
      start: (callId, spec) => conversations.startConversation(callId, spec),
    },
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
  // Nor a conversation an earlier run left active: they are closed (and analysed below).
  await closeOrphanedConversations({ db: database.db, holds: (id) => host.holds(id), journal });

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
  const dialGateway = config.calls.dialGateway ?? (config.esl.embedded ? "carrier" : undefined);
  const voice = defaultVoice(config);
  // The definition's voice when it is the configured engine's; else the configured voice.
  const voiceFor = (def: { voice: { engine: string; voice: string } }): VoiceSpec | undefined =>
    def.voice.engine === voice.engine ? { ...voice, voice: def.voice.voice } : undefined;
  // Owners test a receptionist by text: the same conversation, the same model and tools, no phone.
  const textSessions = new TextSessions({
    db: database.db,
    llm: speech.llm,
    metrics,
    safety,
    defaults: { model: config.llm.model, voice, ...(options.conversationSettings ? { settings: options.conversationSettings } : {}) },
    dialGateway,
    voiceFor,
    journal,
    limits: config.textSessions,
  });
  /** A number routed to a receptionist (POST /v1/numbers) runs its conversation; any other gets the configured default. */
  const routedSpec = async (channel: { destinationNumber: string; callerIdNumber: string }): Promise<ConversationSpec | undefined> => {
    try {
      const receptionist = await routeInbound(database.db, channel.destinationNumber);
      if (receptionist === null) return undefined;
      return receptionistSpec({
        db: database.db,
        receptionist,
        callerNumber: channel.callerIdNumber || null,
        dialGateway,
        voiceFor,
      });
    } catch (err) {
      log.error({ err, destination: channel.destinationNumber }, "inbound routing failed; the default inbound behaviour applies");
      return undefined;
    }
  };
  outbound.on("channel", (session) => {
    metrics.callsInbound.inc();
    void routedSpec(session.channelData).then((routed) => {
      if (!runtime.adoptInbound(session.channelData, routed)) void session.exit();
    });
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
    conversations,
    journal,
    textSessions,
  }).listen({ hostname: config.http.host, port: config.http.port });
  const port = app.server!.port!;
  // Conversations that ended while the last run stopped or died still get their analysis.
  postCall.recover().catch((err: unknown) => log.error({ err: (err as Error).message }, "post-call analysis recovery failed"));
  const url = `http://${config.http.host === "0.0.0.0" ? "127.0.0.1" : config.http.host}:${port}`;

  let stopping: Promise<void> | null = null;
  const stop = () =>
    (stopping ??= (async () => {
      runtime.stopAccepting();
      conversations.stopAccepting();
      textSessions.stop();
      await app.stop();
      await outbound.close();
      // Live calls stay up on the switch: their snapshots are persisted and a restart resumes them.
      router.stop();
      // A conversation cannot outlive this process: its call is hung up and it is stored ended
      // (its recogniser stream closes with its actor).
      conversations.endAll();
      await host.shutdown();
      // Analyses still running stay pending in the database; the next start finishes them.
      await postCall.stop();
      await media.stop();
      await speech.stop();
      await journal.close();
      await link.stop();
      if (ownSimulator) await simulator!.stop();
      metrics.eventLoopLag.stop();
      await database.close();
    })());

  return {
    url,
    port,
    simulator,
    host,
    runtime,
    conversations,
    textSessions,
    safety,
    tools,
    media,
    deepgram: speech.deepgram,
    openai: speech.openai,
    speechServices: speech.describe,
    link,
    database,
    journal,
    outbound,
    outboundSocketPort,
    createdApiKey,
    postCall,
    stop,
  };
}

/** mod_audio_stream `16k`: what Deepgram gets as linear16 (640-byte frames every 20 ms). */
const AUDIO_SAMPLE_RATE = 16_000;

async function main(): Promise<void> {
  let config: Config;
  let demo = false;
  try {
    const loaded = loadConfig();
    config = withEmbeddedDemo(loaded);
    demo = loaded.conversations.inboundPrompt === undefined && config.conversations.inboundPrompt !== undefined;
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
    `Caller audio: mod_audio_stream connects to ws://${sb.media.advertiseHost}:${sb.media.port}/audio/<call>${
      mediaAdvertise(config).guessed ? " (host guessed from this host's interfaces: set MEDIA_ADVERTISE to the address FreeSWITCH reaches)" : ""
    }`,
    sb.openai ? "Language model: offline simulator (rule-based, not a model)" : `Language model: ${sb.speechServices.llm}`,
    sb.deepgram ? "Speech-to-text: simulated Deepgram" : `Speech-to-text: ${sb.speechServices.stt}`,
    config.conversations.inboundPrompt
      ? `Inbound calls: a conversation (${demo ? "the demo prompt; set INBOUND_CONVERSATION_PROMPT for your own" : "INBOUND_CONVERSATION_PROMPT"})`
      : "Inbound calls: answered with INBOUND_GREETING",
  ];
  if (sb.createdApiKey) {
    lines.push(`API key (shown once, only its hash is stored): ${sb.createdApiKey}`);
  } else if (!config.apiKey) {
    lines.push("API key: one exists already (set SWITCHBOARD_API_KEY to choose your own)");
  }
  console.log(lines.join("\n"));
  if (demo && !config.sim.scenario) placeDemoCall(sb);
  if (config.esl.embedded && !config.sim.scenario) placeReceptionistDemoCall(sb);

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
