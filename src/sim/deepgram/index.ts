/**
 * The simulated Deepgram: the live speech-to-text WebSocket protocol
 * (`/v1/listen`) on a loopback port, transcribing the simulated callers'
 * speech from the audio it receives — no audio, no transcript.
 *
 *   const deepgram = new SimulatedDeepgram({ apiKey: "k" });
 *   const { url } = await deepgram.start();
 *   // new DeepgramClient({ apiKey: "k", baseUrl: url }) …
 *   await deepgram.stop();
 */

export { SimulatedDeepgram } from "./server.ts";
export type { DeepgramFaults, ListenStreamInfo, SimulatedDeepgramCounters, SimulatedDeepgramOptions } from "./server.ts";
export type { RecogniserTuning, ServiceLatency } from "./session.ts";
export { NET_0001_REASON } from "./session.ts";
export { LiveRecogniser } from "./recogniser.ts";
export type { HeardWord, RecognitionEvent, RecogniserOptions } from "./recogniser.ts";
export { parseListenParams } from "./listen-params.ts";
export type { ListenParams } from "./listen-params.ts";
