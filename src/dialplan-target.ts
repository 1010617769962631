/**
 * What the dialplan's `socket` action must dial to reach the runtime's outbound
 * socket. A wildcard bind (0.0.0.0, ::) is not an address FreeSWITCH can dial,
 * so the start banner names OUTBOUND_SOCKET_ADVERTISE, or a guess from this
 * host's interfaces, and says it guessed.
 */
import { networkInterfaces } from "node:os";

export interface SocketTarget {
  /** host:port, as `socket <this> async full` wants it. */
  address: string;
  /** True when the host was picked from the interfaces, not configured. */
  guessed: boolean;
}

const WILDCARDS = new Set(["0.0.0.0", "::", "[::]"]);

export function dialplanSocketTarget(
  socket: { host: string; advertise: string | undefined },
  port: number,
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): SocketTarget {
  const hostPort = (host: string) => (host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`);
  if (socket.advertise !== undefined) return { address: hostPort(socket.advertise), guessed: false };
  if (!WILDCARDS.has(socket.host)) return { address: hostPort(socket.host), guessed: false };
  for (const list of Object.values(interfaces)) {
    for (const iface of list ?? []) {
      if (iface.family === "IPv4" && !iface.internal) return { address: hostPort(iface.address), guessed: true };
    }
  }
  return { address: hostPort("127.0.0.1"), guessed: true };
}
