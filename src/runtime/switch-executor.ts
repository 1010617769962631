/**
 * The executor: the switch's one road out. A SwitchCommand an actor emits is
 * journalled, handed to the switch link (whose send() writes its bytes at
 * once), timed, and its outcome fed back to the actor as CommandFeedback
 * (originate.sent, originate.result, command.failed). A dry-run actor's
 * commands are journalled and go no further.
 */
import type { CommandFeedback, CommandOutcome, SwitchCommand } from "../../machines/switch/index.ts";
import type { ActorHost } from "./actor-host.ts";
import type { AnyActorEntry } from "./actor-kind.ts";
import type { RuntimeMetrics } from "./runtime-metrics.ts";
import type { SwitchLink } from "./switch-link.ts";

export interface ExecuteOptions {
  dryRun: boolean;
  /** performance.now() when the HTTP request behind an originate arrived: its request→originate latency. */
  requestReceivedAt?: number;
}

export class SwitchExecutor {
  constructor(
    private readonly host: Pick<ActorHost, "journal" | "deliver">,
    private readonly link: Pick<SwitchLink, "send" | "trackChannel">,
    private readonly metrics: Pick<RuntimeMetrics, "eventToCommand" | "commandsSent" | "commandErrors" | "requestToOriginate">,
    /** When the switch event being dispatched arrived (the router's), null outside a dispatch. */
    private readonly dispatchingSince: () => number | null,
  ) {}

  execute(entry: AnyActorEntry, command: SwitchCommand, opts: ExecuteOptions): void {
    this.host.journal(entry.id, "command", command.type, journalled(command));
    if (opts.dryRun) return;
    const { link, metrics } = this;
    if (command.type === "originate") link.trackChannel(command.uuid);
    let sent: Promise<CommandOutcome>;
    try {
      sent = link.send(command);
    } catch (err) {
      sent = Promise.reject(err);
    }
    // The command's bytes are written synchronously inside send(): this is the moment it left.
    const writtenAt = performance.now();
    const since = this.dispatchingSince();
    if (since !== null) metrics.eventToCommand.observe((writtenAt - since) / 1000);
    metrics.commandsSent.inc({ command: command.type });
    const feedback = (event: CommandFeedback) => this.host.deliver(entry, event);
    if (command.type === "originate") {
      if (opts.requestReceivedAt !== undefined) metrics.requestToOriginate.observe((writtenAt - opts.requestReceivedAt) / 1000);
      feedback({ type: "originate.sent", at: Date.now() });
    }
    sent.then(
      (outcome) => {
        if (command.type === "originate") {
          feedback({ type: "originate.result", at: Date.now(), ok: outcome.ok, cause: outcome.ok ? undefined : outcome.cause });
        } else if (!outcome.ok) {
          metrics.commandErrors.inc({ command: command.type });
          feedback({ type: "command.failed", at: Date.now(), command: command.type, error: outcome.error });
        }
      },
      (err: Error) => {
        metrics.commandErrors.inc({ command: command.type });
        feedback({ type: "command.failed", at: Date.now(), command: command.type, error: err.message });
      },
    );
  }
}

/** What the journal keeps of a command: a caller-audio stream's one-time token stays out of it. */
function journalled(command: SwitchCommand): SwitchCommand {
  if (command.type !== "audio_stream" || command.action !== "start") return command;
  return { ...command, url: redactToken(command.url) };
}

export function redactToken(url: string): string {
  return url.replace(/([?&]token=)[^&]*/, "$1***");
}
