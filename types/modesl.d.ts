/**
 * A small declaration for the part of modesl 1.2.1 (CommonJS, lib/esl/*.js)
 * that src/esl/ uses. modesl ships no types.
 */

declare module "modesl/lib/esl/Event.js" {
  interface EslHeader {
    name: string;
    value: unknown;
  }

  class Event {
    constructor(type?: string | Record<string, unknown>, subclassOrBody?: string);
    headers: EslHeader[];
    hPtr: number | null;
    type: string | undefined;
    subclass: string | undefined | null;
    body: string;
    getHeader(name: string): string | null;
    getBody(): string;
    getType(): string | undefined;
    addHeader(name: string, value: unknown): unknown;
    delHeader(name: string): EslHeader[] | null;
    serialize(format?: "plain" | "json" | "xml"): string;
  }

  export = Event;
}

declare module "modesl/lib/esl/Parser.js" {
  import type { EventEmitter2 } from "eventemitter2";
  import type { Socket } from "node:net";

  interface Parser extends EventEmitter2 {
    socket: Socket;
    buffer: Buffer;
    bodyLen: number;
    encoding: BufferEncoding;
    headers?: Record<string, unknown>;
  }

  interface ParserConstructor {
    new (socket: Socket): Parser;
    prototype: Parser & Record<string, unknown>;
  }

  const Parser: ParserConstructor;
  export = Parser;
}

declare module "modesl" {
  import type { EventEmitter2 } from "eventemitter2";
  import type { Socket } from "node:net";
  import EventClass = require("modesl/lib/esl/Event.js");
  import ParserClass = require("modesl/lib/esl/Parser.js");

  type ReplyCallback = (event: EventClass) => void;

  class Connection extends EventEmitter2 {
    /** Inbound: connect to FreeSWITCH's event socket and authenticate. */
    constructor(host: string, port: number, password: string, ready?: () => void);
    /** Outbound: wrap a socket FreeSWITCH opened to us (dialplan `socket`); sends `connect`. */
    constructor(socket: Socket, ready?: () => void);
    socket: Socket | null;
    parser?: InstanceType<typeof ParserClass>;
    authed: boolean;
    channelData: EventClass | null;
    cmdCallbackQueue: Array<ReplyCallback | undefined>;
    apiCallbackQueue: Array<ReplyCallback | undefined>;
    connected(): boolean;
    getInfo(): EventClass | null;
    send(command: string, args?: Record<string, string> | null): void;
    sendRecv(command: string, args: Record<string, string> | null, cb: ReplyCallback): void;
    sendRecv(command: string, cb: ReplyCallback): void;
    api(command: string, args: string, cb: ReplyCallback): void;
    disconnect(): void;
  }

  class Server extends EventEmitter2 {
    constructor(opts?: { port?: number; host?: string; server?: unknown; myevents?: boolean }, ready?: () => void);
    close(callback?: () => void): void;
  }

  const esl: {
    Connection: typeof Connection;
    Server: typeof Server;
    Event: typeof EventClass;
    Parser: typeof ParserClass;
  };

  export = esl;
}
