/**
 * The tools a conversation's model may call, by name. The conversation machine
 * runs each call as its invoked `tool` actor (with its own timeout and filler
 * line); this registry is what that actor runs. Empty by default: the
 * receptionist registers its tools (book, take a message, transfer, end call).
 *
 * A handler's result is the text the model reads; a thrown error becomes
 * "error: <message>" for the model, and an unknown name is refused the same
 * way — the conversation carries on either way.
 */
import type { ToolFollowUp } from "../../machines/conversation.ts";
import type { ToolSpec } from "../../machines/ports/index.ts";

export interface ToolContext {
  conversationId: string;
  callId: string;
  toolCallId: string;
  /** Aborted when the conversation stops waiting (a barge-in, a timeout, the call ended). */
  signal: AbortSignal;
}

export interface ToolOutcome {
  /** What the model reads. */
  content: string;
  /** Something the conversation does once the reply that follows has been spoken. */
  then?: ToolFollowUp;
  /** The tool did what was asked (default true): a flow moves on an ok result only. */
  ok?: boolean;
}

export interface ToolHandler {
  spec: ToolSpec;
  run(args: Record<string, unknown>, context: ToolContext): Promise<ToolOutcome | string> | ToolOutcome | string;
}

export class UnknownToolError extends Error {
  constructor(name: string) {
    super(`there is no tool named ${name}`);
    this.name = "UnknownToolError";
  }
}

export class ToolRegistry {
  private readonly handlers = new Map<string, ToolHandler>();

  constructor(handlers: ToolHandler[] = []) {
    for (const h of handlers) this.register(h);
  }

  register(handler: ToolHandler): this {
    if (this.handlers.has(handler.spec.name)) throw new Error(`tool ${handler.spec.name} is already registered`);
    this.handlers.set(handler.spec.name, handler);
    return this;
  }

  /** What the model is offered. */
  specs(): ToolSpec[] {
    return [...this.handlers.values()].map((h) => h.spec);
  }

  async run(name: string, args: Record<string, unknown>, context: ToolContext): Promise<ToolOutcome> {
    const handler = this.handlers.get(name);
    if (!handler) throw new UnknownToolError(name);
    const result = await handler.run(args, context);
    return typeof result === "string" ? { content: result } : result;
  }
}
