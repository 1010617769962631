/**
 * How libwsc (amigniter/libwsc v1.1.0) opens its connection for
 * mod_audio_stream: the URL it accepts (WebSocketClient::setUrl), the upgrade
 * request it writes (WebSocketContext::sendHandshakeRequest: no space after
 * each colon, no extensions header, the extra headers last), the answer it
 * takes for an upgrade, and the error text a failed socket gets. The
 * connection itself is ws-client.ts.
 */

/** strerror texts for the socket errors a connection attempt can meet (glibc). */
const STRERROR: Readonly<Record<string, readonly [number, string]>> = {
  ECONNREFUSED: [111, "Connection refused"],
  ECONNRESET: [104, "Connection reset by peer"],
  EHOSTUNREACH: [113, "No route to host"],
  ENETUNREACH: [101, "Network is unreachable"],
  ETIMEDOUT: [110, "Connection timed out"],
  EPIPE: [32, "Broken pipe"],
  EADDRNOTAVAIL: [99, "Cannot assign requested address"],
};

/** evutil_socket_error_to_string(err) + " (system error N)", or "Connection error" when errno is 0 (DNS). */
export function socketErrorText(err: NodeJS.ErrnoException): string {
  const known = err.code ? STRERROR[err.code] : undefined;
  if (known) return `${known[1]} (system error ${known[0]})`;
  return "Connection error";
}

export interface WsTarget {
  secure: boolean;
  host: string;
  port: number;
  uri: string;
}

/** WebSocketClient::setUrl: ws:// or wss://, host[:port], the rest is the request URI ("/" when empty). */
export function parseWsUrl(url: string): WsTarget | undefined {
  let rest: string;
  let secure: boolean;
  if (url.startsWith("ws://")) {
    secure = false;
    rest = url.slice(5);
  } else if (url.startsWith("wss://")) {
    secure = true;
    rest = url.slice(6);
  } else return undefined;
  const slash = rest.indexOf("/");
  const hostport = slash < 0 ? rest : rest.slice(0, slash);
  const colon = hostport.indexOf(":");
  let host = hostport;
  let port = secure ? 443 : 80;
  if (colon >= 0) {
    host = hostport.slice(0, colon);
    // std::stoi: leading digits; none → setUrl gives up (port stays 0).
    const m = /^\s*[+-]?\d+/.exec(hostport.slice(colon + 1));
    port = m ? Number.parseInt(m[0], 10) : 0;
  }
  if (host === "") return undefined;
  return { secure, host, port, uri: slash < 0 ? "/" : rest.slice(slash) };
}

/** The upgrade request, byte for byte as libwsc writes it. */
export function upgradeRequest(target: WsTarget, key: string, extraHeaders: ReadonlyArray<readonly [string, string]>): string {
  let req = `GET ${target.uri} HTTP/1.1\r\n`;
  req += `Host:${target.host}:${target.port}\r\n`;
  req += "Upgrade:websocket\r\n";
  req += "Connection:upgrade\r\n";
  req += `Sec-WebSocket-Key:${key}\r\n`;
  req += "Sec-WebSocket-Version:13\r\n";
  req += `Origin:http://${target.host}:${target.port}\r\n`;
  for (const [name, value] of extraHeaders) req += `${name}:${value}\r\n`;
  return `${req}\r\n`;
}

/** The upgrade is accepted on `HTTP/1.1 101` plus a Sec-WebSocket-Accept header (its value is not checked). */
export function upgradeAccepted(head: string): boolean {
  return head.includes("HTTP/1.1 101") && head.toLowerCase().includes("sec-websocket-accept:");
}
