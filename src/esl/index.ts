/**
 * The ESL edge. Importing this module installs the guarded parser onto modesl's
 * Parser.prototype before any connection exists, so no code path can frame the
 * wire with modesl's unguarded parser.
 */
import { installGuardedParser } from "./guarded-parser.ts";

installGuardedParser();

// The vocabulary the edge speaks belongs to the core; re-exported for the edge's own users (tests, benchmarks).
export * from "../../machines/switch/index.ts";
export * from "./errors.ts";
export { safeDecodeURIComponent, invalidEscapeCount } from "./percent-decode.ts";
export {
  installGuardedParser,
  isGuardedParserInstalled,
  createGuardedParser,
  frameInfo,
  parserCounters,
  MAX_CONTENT_LENGTH,
  type FrameInfo,
  type SkipNotice,
  type SkipReason,
} from "./guarded-parser.ts";
export {
  decode,
  decodeOutcome,
  decodeCounters,
  isChannelEvent,
  KNOWN_EVENT_NAMES,
  customSubscription,
  type DecodeCounters,
  type DecodeInput,
  type DecodeOutcome,
  type KnownEventName,
} from "./decode.ts";
export { encodeCommand, encodeExecute, escapeChannelVariable, wireText, MAX_HEADER_ARG, type WireInstruction } from "./encode.ts";
export {
  BoundedEventQueue,
  DEFAULT_QUEUE_LIMITS,
  switchEventTier,
  type EventQueueOptions,
  type EventQueueStats,
  type QueueLimits,
} from "./event-queue.ts";
export { parseShowChannels } from "./show-channels.ts";
export {
  EslInboundClient,
  type DisconnectInfo,
  type EslClientStats,
  type EslInboundClientEvents,
  type EslInboundClientOptions,
  type ReconnectPolicy,
  type SwitchEventHandler,
} from "./inbound-client.ts";
export {
  EslOutboundServer,
  type ChannelDataEvent,
  type ChannelEventHandler,
  type EslOutboundServerEvents,
  type EslOutboundServerOptions,
  type OutboundAdmissionOptions,
  type OutboundCandidate,
  type OutboundSession,
} from "./outbound-server.ts";
export type { OutboundRefusal, OutboundRefusalReason } from "./outbound-admission.ts";
