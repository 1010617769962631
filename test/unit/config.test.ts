import { describe, expect, test } from "bun:test";
import { ConfigError, DEMO_CONVERSATION_PROMPT, loadConfig, redactConfig, withEmbeddedDemo, type Env } from "../../src/config.ts";
import { dialplanSocketTarget } from "../../src/dialplan-target.ts";

function configError(env: Env): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  test("an empty environment gives the documented defaults", () => {
    const c = loadConfig({});
    expect(c.http).toEqual({ host: "127.0.0.1", port: 3000 });
    expect(c.logLevel).toBe("info");
    expect(c.database).toEqual({ url: undefined, pgliteDir: ".data/pglite" });
    expect(c.esl).toEqual({ host: undefined, port: 8021, password: "ClueCon", embedded: true });
    expect(c.outboundSocket).toEqual({ host: "127.0.0.1", port: 8084, advertise: undefined });
    expect(c.tts).toEqual({ engine: "flite", voice: "kal" });
    expect(c.calls.dialGateway).toBeUndefined();
    expect(c.calls.maxConcurrent).toBe(1000);
    expect(c.calls.inboundGreeting.length).toBeGreaterThan(0);
    expect(c.apiKey).toBeUndefined();
    expect(c.nats.url).toBeUndefined();
    expect(c.redis.url).toBeUndefined();
    expect(c.shutdownGraceMs).toBe(10_000);
  });

  test("empty strings count as unset", () => {
    const c = loadConfig({ PORT: "", ESL_HOST: "", DATABASE_URL: "  ", ESL_PASSWORD: "", SWITCHBOARD_API_KEY: "" });
    expect(c.http.port).toBe(3000);
    expect(c.esl.embedded).toBe(true);
    expect(c.database.url).toBeUndefined();
    expect(c.esl.password).toBe("ClueCon");
    expect(c.apiKey).toBeUndefined();
  });

  test("set variables are parsed into the typed config", () => {
    const c = loadConfig({
      PORT: "0",
      HOST: "0.0.0.0",
      LOG_LEVEL: "DEBUG",
      DATABASE_URL: "postgres://sb:pw@db.internal:5432/switchboard",
      DATA_DIR: "/var/lib/switchboard",
      ESL_HOST: "fs1.internal",
      ESL_PORT: "8022",
      ESL_PASSWORD: "s3cret",
      OUTBOUND_SOCKET_PORT: "9090",
      NATS_URL: "nats://127.0.0.1:4222",
      REDIS_URL: "redis://127.0.0.1:6379/0",
      DIAL_GATEWAY: "carrier1",
      DEFAULT_CALLER_ID: "+15555550100",
      MAX_CONCURRENT_CALLS: "250",
      SHUTDOWN_GRACE_MS: "0",
      SWITCHBOARD_API_KEY: "sk_test",
    });
    expect(c.http).toEqual({ host: "0.0.0.0", port: 0 });
    expect(c.logLevel).toBe("debug");
    expect(c.database.url).toBe("postgres://sb:pw@db.internal:5432/switchboard");
    expect(c.database.pgliteDir).toBe("/var/lib/switchboard/pglite");
    expect(c.esl).toEqual({ host: "fs1.internal", port: 8022, password: "s3cret", embedded: false });
    expect(c.outboundSocket.port).toBe(9090);
    expect(c.calls).toMatchObject({ dialGateway: "carrier1", defaultCallerId: "+15555550100", maxConcurrent: 250 });
    expect(c.shutdownGraceMs).toBe(0);
    expect(c.apiKey).toBe("sk_test");
  });

  test.each([
    ["ESL_PORT", "abc", 'ESL_PORT: expected a port number 1-65535, got "abc"'],
    ["ESL_PORT", "0", "ESL_PORT: expected a port number 1-65535"],
    ["PORT", "70000", 'PORT: expected a port number 0-65535 (0 = any free port), got "70000"'],
    ["OUTBOUND_SOCKET_PORT", "-1", "OUTBOUND_SOCKET_PORT: expected a port number"],
    ["HOST", "http://0.0.0.0", "HOST: expected a host name or IP address"],
    ["LOG_LEVEL", "loud", "LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent"],
    ["DATABASE_URL", "mysql://db/x", "DATABASE_URL: expected a postgres:// or postgresql:// URL"],
    ["NATS_URL", "127.0.0.1:4222", "NATS_URL: expected a nats://"],
    ["REDIS_URL", "http://cache", "REDIS_URL: expected a redis:// or rediss:// URL"],
    ["DIAL_GATEWAY", "a/b", "DIAL_GATEWAY: expected a single word"],
    ["MAX_CONCURRENT_CALLS", "0", "MAX_CONCURRENT_CALLS: expected a whole number"],
    ["SHUTDOWN_GRACE_MS", "1.5", "SHUTDOWN_GRACE_MS: expected milliseconds"],
  ])("a bad %s=%p is named with the reason", (name, value, message) => {
    const err = configError({ [name]: value });
    expect(err.message).toContain(message);
    expect(err.issues.map((i) => i.variable)).toEqual([name]);
  });

  test("ANALYSIS_CONCURRENCY sets the post-call analyser's model passes at once: 4 unless given, 1-64", () => {
    expect(loadConfig({}).analysis.concurrency).toBe(4);
    expect(loadConfig({ ANALYSIS_CONCURRENCY: "" }).analysis.concurrency).toBe(4);
    expect(loadConfig({ ANALYSIS_CONCURRENCY: "1" }).analysis.concurrency).toBe(1);
    expect(loadConfig({ ANALYSIS_CONCURRENCY: "64" }).analysis.concurrency).toBe(64);
    for (const bad of ["0", "65", "1.5", "four", "-2"]) {
      const err = configError({ ANALYSIS_CONCURRENCY: bad });
      expect(err.issues.map((i) => i.variable)).toEqual(["ANALYSIS_CONCURRENCY"]);
      expect(err.message).toContain(`ANALYSIS_CONCURRENCY: expected a whole number 1-64, got "${bad}"`);
    }
  });

  test("every bad variable is listed, not only the first", () => {
    const err = configError({ ESL_PORT: "abc", PORT: "http", LOG_LEVEL: "chatty", ESL_HOST: "fs1.internal" });
    expect(err.issues.map((i) => i.variable).sort()).toEqual(["ESL_PORT", "LOG_LEVEL", "PORT"]);
    for (const name of ["ESL_PORT", "LOG_LEVEL", "PORT"]) expect(err.message).toContain(`${name}: expected`);
  });

  test("redactConfig masks secrets for logging", () => {
    const c = loadConfig({ DATABASE_URL: "postgres://sb:pw@db/x", ESL_PASSWORD: "s3cret", SWITCHBOARD_API_KEY: "sk_abc" });
    const shown = JSON.stringify(redactConfig(c));
    expect(shown).not.toContain("pw@");
    expect(shown).not.toContain("s3cret");
    expect(shown).not.toContain("sk_abc");
    expect(shown).toContain("db/x");
  });
});

describe("conversations: speech-to-text, language model, TTS, caller audio", () => {
  test("nothing set: the embedded simulators, the documented defaults, no inbound conversation", () => {
    const c = loadConfig({});
    expect(c.stt).toEqual({ embedded: true, apiKey: undefined, url: undefined, model: "nova-3", language: "en", endpointingMs: 300, utteranceEndMs: 1000 });
    expect(c.llm).toEqual({ embedded: true, apiKey: undefined, baseUrl: undefined, model: "gpt-4o-mini" });
    expect(c.speech).toMatchObject({ engine: "flite", voice: "kal", openaiModel: "tts-1", openaiVoice: "alloy" });
    // The switch opens rendered files by path: the cache directory is absolute.
    expect(c.speech.cacheDir.startsWith("/")).toBe(true);
    expect(c.speech.cacheDir.endsWith("/.data/tts")).toBe(true);
    expect(c.media).toEqual({ host: "127.0.0.1", port: 8090, advertise: undefined, tokenTtlMs: 10_000, heartBeatSec: 10 });
    expect(c.conversations).toEqual({ inboundPrompt: undefined, inboundFirstMessage: undefined });
  });

  test("a key alone means the real service at its default URL; a URL needs a key", () => {
    const c = loadConfig({ DEEPGRAM_API_KEY: "dg_secret", OPENAI_API_KEY: "sk-secret", LLM_MODEL: "gpt-4o", STT_MODEL: "nova-2-phonecall" });
    expect(c.stt).toMatchObject({ embedded: false, apiKey: "dg_secret", url: undefined, model: "nova-2-phonecall" });
    expect(c.llm).toMatchObject({ embedded: false, apiKey: "sk-secret", baseUrl: undefined, model: "gpt-4o" });
    const err = configError({ DEEPGRAM_URL: "wss://dg.internal", OPENAI_BASE_URL: "https://llm.internal/v1" });
    expect(err.issues.map((i) => i.variable).sort()).toEqual(["DEEPGRAM_API_KEY", "OPENAI_API_KEY"]);
  });

  test("TTS_ENGINE=openai: conversations render with OpenAI TTS; a call's own say stays FreeSWITCH speak", () => {
    const c = loadConfig({ TTS_ENGINE: "openai", OPENAI_TTS_VOICE: "nova", TTS_CACHE_DIR: "/var/lib/switchboard/tts" });
    expect(c.tts).toEqual({ engine: "flite", voice: "kal" });
    expect(c.speech).toEqual({ engine: "openai", voice: "kal", openaiModel: "tts-1", openaiVoice: "nova", cacheDir: "/var/lib/switchboard/tts" });
  });

  test.each([
    ["MEDIA_PORT", "99999", "MEDIA_PORT: expected a port number 0-65535"],
    ["MEDIA_ADVERTISE", "::1", "MEDIA_ADVERTISE: mod_audio_stream accepts a host name or IPv4 address only"],
    ["STT_UTTERANCE_END_MS", "500", "STT_UTTERANCE_END_MS: expected milliseconds 1000-5000"],
    ["DEEPGRAM_URL", "ftp://x", "DEEPGRAM_URL: expected a wss:// or ws:// or https:// or http:// URL"],
    ["MEDIA_HEART_BEAT_SEC", "0", "MEDIA_HEART_BEAT_SEC: expected seconds 1-3600"],
  ])("a bad %s=%p is named with the reason", (name, value, message) => {
    const err = configError({ [name]: value });
    expect(err.message).toContain(message);
  });

  test("the keys never reach a log line", () => {
    const shown = JSON.stringify(redactConfig(loadConfig({ DEEPGRAM_API_KEY: "dg_secret", OPENAI_API_KEY: "sk-secret", OPENAI_BASE_URL: "https://u:pw@llm.internal/v1" })));
    expect(shown).not.toContain("dg_secret");
    expect(shown).not.toContain("sk-secret");
    expect(shown).not.toContain(":pw@");
  });

  test("INBOUND_CONVERSATION_PROMPT keeps its lines; npm start's embedded default gets the demo prompt, nothing else does", () => {
    const set = loadConfig({ INBOUND_CONVERSATION_PROMPT: "You are a bot.\nBe brief.", INBOUND_CONVERSATION_FIRST_MESSAGE: "Hi!" });
    expect(set.conversations).toEqual({ inboundPrompt: "You are a bot.\nBe brief.", inboundFirstMessage: "Hi!" });
    expect(withEmbeddedDemo(set).conversations).toEqual(set.conversations);
    expect(withEmbeddedDemo(loadConfig({})).conversations.inboundPrompt).toBe(DEMO_CONVERSATION_PROMPT);
    expect(withEmbeddedDemo(loadConfig({ ESL_HOST: "fs1.internal" })).conversations.inboundPrompt).toBeUndefined();
  });
});

describe("the address the dialplan's socket action dials", () => {
  const interfaces = {
    lo: [{ address: "127.0.0.1", family: "IPv4", internal: true }],
    eth0: [{ address: "10.0.0.7", family: "IPv4", internal: false }],
  } as never;

  test("a configured bind address is what the switch dials", () => {
    expect(dialplanSocketTarget({ host: "127.0.0.1", advertise: undefined }, 8084, interfaces)).toEqual({ address: "127.0.0.1:8084", guessed: false });
  });
  test("a wildcard bind is never printed: OUTBOUND_SOCKET_ADVERTISE, else a guess from the interfaces", () => {
    expect(dialplanSocketTarget({ host: "0.0.0.0", advertise: "10.1.2.3" }, 8084, interfaces)).toEqual({ address: "10.1.2.3:8084", guessed: false });
    expect(dialplanSocketTarget({ host: "0.0.0.0", advertise: undefined }, 8084, interfaces)).toEqual({ address: "10.0.0.7:8084", guessed: true });
    expect(dialplanSocketTarget({ host: "::", advertise: undefined }, 9000, { lo: [] } as never)).toEqual({ address: "127.0.0.1:9000", guessed: true });
  });
  test("OUTBOUND_SOCKET_ADVERTISE is a host, checked like one", () => {
    expect(loadConfig({ OUTBOUND_SOCKET_ADVERTISE: "10.1.2.3" }).outboundSocket.advertise).toBe("10.1.2.3");
    expect(() => loadConfig({ OUTBOUND_SOCKET_ADVERTISE: "http://x:1" })).toThrow(ConfigError);
  });
});
