import { Elysia } from "elysia";
import { ApiError, unauthorized } from "./errors.ts";

export interface KeyVerifier {
  /** True when the plaintext key is a live (not revoked) API key. */
  verify(plaintextKey: string): Promise<boolean>;
}

/** Paths a load balancer or Prometheus reaches without a key. */
const PUBLIC_PATHS = new Set(["/health", "/metrics", "/docs", "/docs/json"]);

/**
 * Bearer API-key auth for everything under /v1. Verified keys are remembered
 * briefly so a busy API does not hash-and-query on every request; a revoked
 * key stops working within `cacheMs`.
 */
export function bearerAuth(verifier: KeyVerifier, cacheMs = 30_000) {
  const recentlyVerified = new Map<string, number>();

  return new Elysia({ name: "bearer-auth" }).onBeforeHandle({ as: "global" }, async ({ request, path }) => {
    if (PUBLIC_PATHS.has(path) || path.startsWith("/docs")) return;
    const header = request.headers.get("authorization");
    if (!header) throw unauthorized();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized("Authorization must be 'Bearer <key>'");
    const key = match[1]!;
    const now = Date.now();
    const until = recentlyVerified.get(key);
    if (until && until > now) return;
    if (!(await verifier.verify(key))) {
      recentlyVerified.delete(key);
      throw new ApiError(401, "unauthorized", "the API key is not valid");
    }
    if (recentlyVerified.size > 10_000) recentlyVerified.clear();
    recentlyVerified.set(key, now + cacheMs);
  });
}
