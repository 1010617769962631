/**
 * A minimal event-socket server that replays a recorded event stream as fast
 * as TCP takes it, to measure how many events per second a client can frame
 * and decode when the switch is not the bottleneck.
 *
 * It answers the handshake an inbound client performs (auth, `event …`,
 * `api show channels as json`, `exit`) the way mod_event_socket does, then
 * writes the recording when told to.
 */
import { createServer, type Server, type Socket } from "node:net";

export interface ReplayServer {
  port: number;
  /** Write `bytes` to the most recently connected client; resolves with performance.now() just before the write. */
  blast(bytes: Buffer): number;
  close(): Promise<void>;
}

function reply(socket: Socket, text: string): void {
  socket.write(`Content-Type: command/reply\nReply-Text: ${text}\n\n`);
}

export async function startReplayServer(): Promise<ReplayServer> {
  let latest: Socket | null = null;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    latest = socket;
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let pending = "";
    socket.on("data", (chunk: Buffer) => {
      pending += chunk.toString("latin1");
      // mod_event_socket reads one command per blank-line-terminated block.
      for (let end = pending.indexOf("\n\n"); end !== -1; end = pending.indexOf("\n\n")) {
        const command = pending.slice(0, end);
        pending = pending.slice(end + 2);
        const first = command.split("\n", 1)[0] ?? "";
        if (first.startsWith("auth ")) reply(socket, "+OK accepted");
        else if (first.startsWith("event ")) reply(socket, `+OK event listener enabled ${first.split(" ")[1] ?? "plain"}`);
        else if (first.startsWith("api ")) {
          // The client's resync: no channels (mod_commands' exact empty answer).
          const body = first === "api show channels as json" ? '{"row_count": 0}\n' : "+OK\n";
          socket.write(`Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`);
        } else if (first === "exit") {
          reply(socket, "+OK bye");
          socket.end();
        } else reply(socket, "+OK");
      }
    });
    socket.write("Content-Type: auth/request\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    blast(bytes: Buffer): number {
      if (!latest) throw new Error("replay server: no client connected");
      const at = performance.now();
      latest.write(bytes);
      return at;
    },
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
