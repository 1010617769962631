/**
 * What a freshly authenticated inbound ESL link asks the switch to send it:
 * `event json <Event-Names>`, then `event json CUSTOM <subclasses>` when CUSTOM
 * subclasses (e.g. mod_audio_stream::connect) are wanted. Split from
 * inbound-client.ts so the link's life (connect, auth, reconnect) reads apart
 * from the subscription handshake it runs once per connection.
 */
import type EslEvent from "modesl/lib/esl/Event.js";
import { customSubscription } from "./decode.ts";
import { replyError, writeCommand, type Connection, type PendingCalls } from "./calls.ts";
import { EslCommandError } from "./errors.ts";

/** Subscribe; throws EslCommandError when the switch refuses either command (a timeout or link loss rejects too). */
export async function subscribeToEvents(
  calls: PendingCalls,
  conn: Connection,
  events: readonly string[],
  customSubclasses: readonly string[],
  timeoutMs: number,
): Promise<void> {
  // modesl already sent `event json BACKGROUND_JOB CHANNEL_EXECUTE_COMPLETE`; subscriptions add up.
  const reply = await calls.call<EslEvent>("event subscription", timeoutMs, (ok) => {
    writeCommand(conn, `event json ${events.join(" ")}\n\n`, ok);
  });
  const err = replyError(reply);
  if (err) throw new EslCommandError(`event subscription refused: ${err}`, err);
  const custom = customSubscription("json", customSubclasses);
  if (custom !== null) {
    const customReply = await calls.call<EslEvent>("custom event subscription", timeoutMs, (ok) => {
      writeCommand(conn, `${custom}\n\n`, ok);
    });
    const customErr = replyError(customReply);
    if (customErr) throw new EslCommandError(`CUSTOM event subscription refused: ${customErr}`, customErr);
  }
}
