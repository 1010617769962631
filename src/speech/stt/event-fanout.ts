/**
 * Delivers a stream's SttEvents to its subscribers. Events that happen before
 * anyone subscribed (a refused handshake can fail right after open()
 * returns) are held, a bounded few, and handed to the first subscriber, so a
 * failure is never lost. A subscriber that throws is logged, never allowed to
 * break the stream or the other subscribers.
 */
import type { Logger } from "../../log.ts";
import type { SttEvent } from "./types.ts";

const EARLY_CAP = 64;

export class SttEventFanout {
  private readonly handlers = new Set<(event: SttEvent) => void>();
  private early: SttEvent[] | null = [];

  constructor(private readonly log: Logger) {}

  emit(event: SttEvent): void {
    if (this.early) {
      this.early.push(event);
      if (this.early.length > EARLY_CAP) this.early.shift(); // the newest (a failure, the close) matter most
      return;
    }
    for (const handler of this.handlers) this.deliver(handler, event);
  }

  subscribe(handler: (event: SttEvent) => void): () => void {
    this.handlers.add(handler);
    const held = this.early;
    this.early = null;
    for (const event of held ?? []) this.deliver(handler, event);
    return () => {
      this.handlers.delete(handler);
    };
  }

  private deliver(handler: (event: SttEvent) => void, event: SttEvent): void {
    try {
      handler(event);
    } catch (err) {
      this.log.error({ err, event: event.type }, "speech-to-text event handler threw");
    }
  }
}
