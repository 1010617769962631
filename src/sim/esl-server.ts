/**
 * The inbound event-socket listener (mod_event_socket's runtime loop): accepts
 * TCP clients, one EslConnection each, and keeps track of every connection
 * (inbound and the outbound sessions the dialer opens) for shutdown and
 * dropConnections().
 */

import { createServer, type Server, type Socket } from "node:net";
import { EslConnection } from "./esl-connection.ts";
import type { SwitchCore } from "./switch-core.ts";

export class EslServer {
  private server: Server | undefined;
  readonly connections = new Set<EslConnection>();
  private boundPort = 0;

  constructor(
    private readonly core: SwitchCore,
    private readonly password: string,
    private readonly queueCap: number,
  ) {}

  get port(): number {
    return this.boundPort;
  }

  listen(host: string, port: number): Promise<number> {
    const server = createServer((socket: Socket) => this.accept(socket));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.removeListener("error", reject);
        const addr = server.address();
        this.boundPort = typeof addr === "object" && addr ? addr.port : port;
        resolve(this.boundPort);
      });
    });
  }

  private accept(socket: Socket): void {
    const conn = new EslConnection(this.core, socket, { kind: "inbound", password: this.password }, this.queueCap, (c) =>
      this.connections.delete(c),
    );
    if (!conn.closed) this.connections.add(conn);
  }

  register(conn: EslConnection): void {
    if (!conn.closed) this.connections.add(conn);
  }

  unregister(conn: EslConnection): void {
    this.connections.delete(conn);
  }

  /** Reset every client socket, as a network failure would; channels are untouched. */
  dropConnections(): void {
    for (const conn of [...this.connections]) conn.destroy();
  }

  async close(): Promise<void> {
    for (const conn of [...this.connections]) conn.shutdown();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
