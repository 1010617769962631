/**
 * The addresses between the switch and this runtime: where FreeSWITCH dials
 * us back (the outbound socket the dialplan `socket` app connects to, and the
 * caller-audio WebSocket mod_audio_stream opens), and where the switch itself
 * is (the default OUTBOUND_SOCKET_ALLOW). A wildcard bind is never what the
 * switch dials, so these resolve or guess the advertised address.
 */
import { ConfigError, type Config } from "../config.ts";
import { dialplanSocketTarget } from "../dialplan-target.ts";
import { addressesOf } from "../esl/outbound-admission.ts";

/** The host FreeSWITCH dials for caller audio: MEDIA_ADVERTISE, MEDIA_HOST, or a guess when that is a wildcard. */
export function mediaAdvertise(config: Config): { host: string; guessed: boolean } {
  const target = dialplanSocketTarget({ host: config.media.host, advertise: config.media.advertise }, 0);
  return { host: target.address.replace(/:0$/, "").replace(/^\[(.*)\]$/, "$1"), guessed: target.guessed };
}

/** The default OUTBOUND_SOCKET_ALLOW: where the switch we talk ESL to lives. */
export async function switchAddresses(eslHost: string): Promise<string[]> {
  try {
    return await addressesOf(eslHost);
  } catch (err) {
    throw new ConfigError([
      { variable: "OUTBOUND_SOCKET_ALLOW", message: `unset, and ESL_HOST ${eslHost} could not be resolved to addresses (${(err as Error).message}); set it` },
    ]);
  }
}

/** Where the socket listens, and what the dialplan must dial: not a wildcard address. */
export function outboundSocketLine(config: Config, port: number): string {
  const target = dialplanSocketTarget(config.outboundSocket, port);
  const hint = target.guessed ? ` (guessed from this host's interfaces: set OUTBOUND_SOCKET_ADVERTISE to the address FreeSWITCH reaches)` : "";
  return `Outbound socket listening on ${config.outboundSocket.host}:${port}; the dialplan's socket action dials '${target.address} async full'${hint}`;
}
