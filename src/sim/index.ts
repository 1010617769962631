/**
 * The switch simulator: a FreeSWITCH 1.10 stand-in that speaks
 * mod_event_socket over TCP, with simulated channels driven by a scenario.
 *
 *   const sim = new SwitchSimulator({ port: 0, password: "ClueCon" });
 *   const { port } = await sim.start();
 *   // … connect any ESL client to 127.0.0.1:port …
 *   await sim.stop();
 */

import { EventEmitter } from "node:events";
import { hostname as osHostname } from "node:os";
import { type AudioStreamInfo, audioStreamInfo, stopAudioStreams } from "./audio-stream.ts";
import { hangupChannel } from "./call-flow.ts";
import { type SpokenLine, simMedia } from "./channel-media.ts";
import { EslServer } from "./esl-server.ts";
import { str2cause } from "./hangup-causes.ts";
import { ModuleSet, readModulesConf } from "./modules.ts";
import { type InboundCallOptions, placeInboundCall } from "./outbound-dialer.ts";
import { defaultScenario, type GatewayStatus, parseScenario, type Scenario, type ScenarioInput, type SpeechSegment } from "./scenario.ts";
import { type CallerSpeechEvent, SwitchCore } from "./switch-core.ts";

export { defaultScenario, loadScenario, parseScenario, ScenarioError } from "./scenario.ts";
export type { Scenario, ScenarioInput, CalleeBehaviour, CallerBehaviour, CallerBehaviourInput, SpeechSegment, GatewayStatus } from "./scenario.ts";
export type { InboundCallOptions } from "./outbound-dialer.ts";
export type { CallerSpeechEvent } from "./switch-core.ts";
export type { AudioStreamInfo } from "./audio-stream.ts";
export type { SpokenLine } from "./channel-media.ts";
export type { TurnSpec } from "./scenario.ts";
export { HANGUP_CAUSES, q850For } from "./hangup-causes.ts";
export { ModulesConfError, parseModulesConf, readModulesConf, SHIPPED_MODULES_CONF } from "./modules.ts";

export interface SimulatorOptions {
  /** Listen address; default 127.0.0.1. */
  host?: string;
  /** Listen port; default 8021, 0 for an ephemeral port. */
  port?: number;
  /** event_socket.conf password; default ClueCon. */
  password?: string;
  /** Who answers what; default the built-in scenario (see README.md). */
  scenario?: Scenario | ScenarioInput;
  /** FreeSWITCH-Hostname / FreeSWITCH-Switchname; default os.hostname(). */
  hostname?: string;
  /** HEARTBEAT interval; default 20000 ms, 0 disables it. */
  heartbeatIntervalMs?: number;
  /** Events a listener may have queued before it is disconnected; default 100000 (MAX_QUEUE_LEN). */
  listenerQueueCap?: number;
  /** Multiplies every scripted delay (ring, playback, DTMF offsets, …); default 1. Tests use e.g. 0.01. */
  timeScale?: number;
  /** FreeSWITCH-IPv4 / -IPv6 header values. */
  ipv4?: string;
  ipv6?: string;
  /**
   * The loaded modules (e.g. ["mod_commands", "mod_dptools"]). Wins over
   * `modulesConf` and the scenario's `modules`. Default: the modules the
   * shipped freeswitch-conf/autoload_configs/modules.conf.xml loads.
   */
  modules?: readonly string[];
  /** A modules.conf.xml to read the loaded modules from instead of the shipped one. */
  modulesConf?: string;
}

export interface SwitchSimulatorEvents {
  "caller-speech": [CallerSpeechEvent];
}

export class SwitchSimulator extends EventEmitter<SwitchSimulatorEvents> {
  readonly core: SwitchCore;
  private readonly server: EslServer;
  private readonly host: string;
  private readonly requestedPort: number;
  private readonly queueCap: number;
  private started = false;

  constructor(opts: SimulatorOptions = {}) {
    super();
    this.host = opts.host ?? "127.0.0.1";
    this.requestedPort = opts.port ?? 8021;
    this.queueCap = opts.listenerQueueCap ?? 100_000;
    const scenario = opts.scenario ? parseScenario(opts.scenario, "scenario option") : defaultScenario;
    const modules = opts.modules ?? (opts.modulesConf ? readModulesConf(opts.modulesConf) : undefined) ?? scenario.modules ?? readModulesConf();
    this.core = new SwitchCore({
      hostname: opts.hostname ?? osHostname(),
      scenario,
      modules: new ModuleSet(modules),
      timeScale: opts.timeScale ?? 1,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 20_000,
      listenerQueueCap: this.queueCap,
      ipv4: opts.ipv4 ?? "127.0.0.1",
      ipv6: opts.ipv6 ?? "::1",
    });
    this.server = new EslServer(this.core, opts.password ?? "ClueCon", this.queueCap);
    this.core.on("caller-speech", (event: CallerSpeechEvent) => this.emit("caller-speech", event));
  }

  /** Start listening; resolves with the bound port. */
  async start(): Promise<{ port: number }> {
    if (this.started) return { port: this.server.port };
    const port = await this.server.listen(this.host, this.requestedPort);
    this.started = true;
    this.core.startHeartbeat();
    return { port };
  }

  /** Close every connection (with FreeSWITCH's shutdown notice), stop timers, stop listening. */
  async stop(): Promise<void> {
    this.core.stop();
    // mod_audio_stream's sockets close (CLOSE 1000) before the switch goes.
    await stopAudioStreams(this.core);
    await this.server.close();
    this.started = false;
  }

  get port(): number {
    return this.server.port;
  }

  get scenario(): Scenario {
    return this.core.scenario;
  }

  /** The loaded modules (module_exists answers true for exactly these). */
  get modules(): string[] {
    return this.core.modules.list();
  }

  /** Abruptly reset every ESL socket (inbound clients and outbound sessions); channels live on. */
  dropConnections(): void {
    this.server.dropConnections();
  }

  /** A call arrives and the dialplan hands it to an outbound-socket app (`socket host:port async full`). */
  placeInboundCall(opts: InboundCallOptions): Promise<string> {
    return placeInboundCall(
      this.core,
      opts,
      this.queueCap,
      (conn) => this.server.register(conn),
      (conn) => this.server.unregister(conn),
    );
  }

  /** Hang a channel up from the far end; false if there is no such channel. */
  hangup(uuid: string, cause = "NORMAL_CLEARING"): boolean {
    const ch = this.core.channels.get(uuid);
    if (!ch || !ch.isUp) return false;
    hangupChannel(this.core, ch, str2cause(cause) ?? "NORMAL_CLEARING");
    return true;
  }

  /** Channels that exist (including hung-up ones a lingering listener still holds). */
  channelCount(): number {
    return this.core.channels.size;
  }

  /** What the far end of a channel has said so far (for the speech-to-text adapter). */
  speechFor(uuid: string): SpeechSegment[] {
    return [...(this.core.channels.get(uuid)?.speech ?? [])];
  }

  /**
   * What the far end (caller or callee) of a channel has said, and when: one
   * line per utterance, in order, with its start and end (epoch ms) as its
   * audio carries it. Kept for a while after the call has ended.
   */
  callerTranscript(uuid: string): SpokenLine[] {
    return simMedia(this.core).find(uuid)?.farEndLines() ?? [];
  }

  /** What the switch said or played to the far end (speak, playback), and when; interrupted = broken off or hung up on. */
  botSpeech(uuid: string): SpokenLine[] {
    return simMedia(this.core).find(uuid)?.botLines() ?? [];
  }

  /** Both sides in time order. */
  conversation(uuid: string): SpokenLine[] {
    const media = simMedia(this.core).find(uuid);
    if (!media) return [];
    return [...media.farEndLines(), ...media.botLines()].sort((a, b) => a.startedAt - b.startedAt);
  }

  /** The channel's mod_audio_stream stream (frames sent, dropped, …), or undefined. */
  audioStream(uuid: string): AudioStreamInfo | undefined {
    return audioStreamInfo(this.core, uuid);
  }

  /**
   * Take a SIP gateway down (its OPTIONS pings stopped being answered) or
   * bring it back up. Originates and bridges through a gateway that is down
   * fail at once with GATEWAY_DOWN. An unknown name is added.
   */
  setGatewayStatus(name: string, status: GatewayStatus): void {
    if (!/^[\w.-]+$/.test(name)) throw new TypeError(`not a gateway name: ${JSON.stringify(name)}`);
    if (status !== "up" && status !== "down") throw new TypeError(`gateway status must be "up" or "down", not ${JSON.stringify(status)}`);
    this.core.gateways.setStatus(name, status);
  }

  /** A gateway's status, undefined for a name the switch does not have. */
  gatewayStatus(name: string): GatewayStatus | undefined {
    return this.core.gateways.find(name)?.status;
  }

  /** Fire a HEARTBEAT now (tests need not wait 20 s). */
  heartbeat(): void {
    this.core.fireHeartbeat();
  }
}
