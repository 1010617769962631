/**
 * mod_audio_stream's CUSTOM events (`mod_audio_stream::connect`, `::disconnect`,
 * `::error`, `::json`, `::play`) as the simulated switch fires them: the
 * Event-Subclass header first, the channel data, the JSON body — all from
 * responseHandler, as the captured traces show.
 */

import type { Channel } from "./channel.ts";
import type { SwitchCore } from "./switch-core.ts";

/** responseHandler: every event is fired from here (mod_audio_stream.c line 16). */
const SITE = ["mod_audio_stream.c", "responseHandler", 16] as const;

export const EVENT_CONNECT = "mod_audio_stream::connect";
export const EVENT_DISCONNECT = "mod_audio_stream::disconnect";
export const EVENT_ERROR = "mod_audio_stream::error";
export const EVENT_JSON = "mod_audio_stream::json";
export const EVENT_PLAY = "mod_audio_stream::play";

/** Fire a mod_audio_stream CUSTOM event: Event-Subclass first, the channel data, the JSON body. */
export function fireStreamEvent(core: SwitchCore, ch: Channel, subclass: string, body: string): void {
  if (!core.wants("CUSTOM", ch.uuid)) {
    core.skipSequence();
    return;
  }
  const ev = core.newEvent("CUSTOM", SITE, subclass);
  // switch_event_create_subclass adds Event-Subclass before Event-Name (plain: `Event-Subclass: mod_audio_stream%3A%3Aconnect` first).
  const h = ev.headers;
  const at = h.lastIndexOf("Event-Subclass");
  if (at > 0 && at % 2 === 0) {
    h.splice(at, 2);
    h.unshift("Event-Subclass", subclass);
  }
  ev.uniqueId = ch.uuid;
  ch.appendChannelData(ev, true);
  ev.body = body;
  core.fire(ev);
}
