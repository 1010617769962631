/** /health and /metrics: what a load balancer and Prometheus read, without a key. */
import { Elysia } from "elysia";
import type { Database } from "../db/client.ts";
import { JOURNAL_TABLES, type JournalStats } from "../db/journal.ts";
import type { ActorHost } from "../runtime/actor-host.ts";
import type { CallRuntime } from "../runtime/call-runtime.ts";
import type { RuntimeMetrics } from "../runtime/runtime-metrics.ts";
import type { SwitchLink } from "../runtime/switch-link.ts";

export interface HealthDeps {
  link: SwitchLink;
  database: Database;
  runtime: CallRuntime;
  host: Pick<ActorHost, "kinds" | "count">;
  metrics: RuntimeMetrics;
  journal?: { stats(): JournalStats };
}

export function healthRoutes(deps: HealthDeps) {
  const { link, database, runtime, host, metrics, journal } = deps;
  return new Elysia({ name: "health" })
    .get(
      "/health",
      async ({ set }) => {
        const dbUp = await database.ping(1000);
        const healthy = link.connected && dbUp;
        set.status = healthy ? 200 : 503;
        return {
          status: healthy ? "ok" : "degraded",
          switch: { connected: link.connected, ...link.stats() },
          database: { kind: database.kind, up: dbUp },
          live_calls: runtime.liveCount,
        };
      },
      { detail: { summary: "Switch link and database status", tags: ["ops"] } },
    )
    .get(
      "/metrics",
      ({ set }) => {
        const s = link.stats();
        metrics.liveCalls.set(runtime.liveCount);
        for (const kind of host.kinds()) metrics.liveActors.set(host.count(kind.name), { kind: kind.name });
        metrics.eslQueueDepth.set(s.queueDepth);
        metrics.eslDropped.set(s.droppedEvents);
        metrics.eslLinkUp.set(link.connected ? 1 : 0);
        if (journal) {
          const j = journal.stats();
          for (const table of JOURNAL_TABLES) {
            metrics.journalDbRefused.set(j.refusedByDb[table].sanitised, { table, outcome: "sanitised" });
            metrics.journalDbRefused.set(j.refusedByDb[table].dropped, { table, outcome: "dropped" });
          }
        }
        set.headers["content-type"] = "text/plain; version=0.0.4; charset=utf-8";
        return metrics.registry.render();
      },
      { detail: { summary: "Prometheus metrics", tags: ["ops"] } },
    );
}
