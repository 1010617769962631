/**
 * The URL a call's audio stream connects to:
 *
 *   ws://<advertised host>:<port>/audio/<callId>?token=<token>
 *
 * Why this shape:
 * - It is one argument of `uuid_audio_stream <uuid> start <url> …`, split on
 *   spaces (switch_separate_string) and cleaned of quotes and backslashes, so it
 *   holds none of ` ' \ |` — call ids and tokens are drawn from [A-Za-z0-9_.-].
 * - libwsc sends everything from the first `/` after host:port as the request
 *   target, query string included (libwsc 09d18e5 WebSocketClient::setUrl →
 *   `GET %s HTTP/1.1`), so the token survives to our upgrade handler.
 * - mod_audio_stream's validate_ws_uri (audio_streamer_glue.cpp) accepts only
 *   [A-Za-z0-9.-] in the host and digits in the port: a bracketed IPv6 literal is
 *   refused, so the advertised host is a name or an IPv4 address.
 * - The token is a query parameter, not a header: STREAM_EXTRA_HEADERS would be
 *   a channel variable, copied into every event of the channel.
 */

export const STREAM_PATH_PREFIX = "/audio/";

/** A call id that survives the switch's argument splitting and a URL path unescaped. */
const CALL_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
/** mod_audio_stream validate_ws_uri: host characters it accepts. */
const SWITCH_URI_HOST = /^[A-Za-z0-9.-]+$/;

export function isStreamCallId(callId: string): boolean {
  return CALL_ID.test(callId);
}

/** Throws unless mod_audio_stream would accept `host` in a ws:// URL. */
export function assertSwitchReachableHost(host: string): void {
  if (!SWITCH_URI_HOST.test(host)) {
    throw new Error(
      `media: advertised host ${JSON.stringify(host)} is not one mod_audio_stream accepts ` +
        "(letters, digits, '.' and '-' only: a host name or an IPv4 address)",
    );
  }
}

export function streamUrl(advertisedHost: string, port: number, callId: string, token: string): string {
  if (!isStreamCallId(callId)) throw new Error(`media: call id ${JSON.stringify(callId)} cannot go in a stream URL`);
  return `ws://${advertisedHost}:${port}${STREAM_PATH_PREFIX}${callId}?token=${token}`;
}

export type ParsedStreamTarget = { callId: string; token: string | null };

/** The call id and token an upgrade request names, or null when the path is not a stream path. */
export function parseStreamTarget(requestUrl: string): ParsedStreamTarget | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (!url.pathname.startsWith(STREAM_PATH_PREFIX)) return null;
  const callId = url.pathname.slice(STREAM_PATH_PREFIX.length);
  if (!isStreamCallId(callId)) return null;
  const token = url.searchParams.get("token");
  return { callId, token: token === null || token === "" ? null : token };
}

/** The request target without its query: what may be logged (the query holds the token). */
export function redactedPath(requestUrl: string): string {
  try {
    return new URL(requestUrl).pathname.slice(0, 200);
  } catch {
    return "(unparseable)";
  }
}
