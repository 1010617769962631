import { Elysia } from "elysia";
import { ApiError, unauthorized } from "./errors.ts";

export interface KeyVerifier {
  /** True when the plaintext key is a live (not revoked) API key. */
  verify(plaintextKey: string): Promise<boolean>;
}

/** Paths a load balancer or Prometheus reaches without a key; every other path needs one. */
const PUBLIC_PATHS = new Set(["/health", "/metrics", "/docs", "/docs/json"]);

/** A key is a printable ASCII token: anything else cannot be one, and is refused without a database query. */
const KEY_SHAPE = /^[\x21-\x7e]{1,256}$/;

/**
 * Bearer API-key auth. It runs in onRequest — before routing and before the
 * body is read, parsed or validated — so a request without a valid key costs
 * a header check and nothing else, whatever its body, and an unknown route
 * without a key answers 401 rather than revealing what exists (404).
 *
 * Verified keys are remembered briefly so a busy API does not hash-and-query
 * on every request; a revoked key stops working within `cacheMs`.
 */
export function bearerAuth(verifier: KeyVerifier, cacheMs = 30_000) {
  const recentlyVerified = new Map<string, number>();

  return new Elysia({ name: "bearer-auth" }).onRequest(async ({ request }) => {
    if (PUBLIC_PATHS.has(pathOf(request.url))) return;
    const header = request.headers.get("authorization");
    if (!header) throw unauthorized();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw unauthorized("Authorization must be 'Bearer <key>'");
    const key = match[1]!;
    if (!KEY_SHAPE.test(key)) throw new ApiError(401, "unauthorized", "the API key is not valid");
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

/** The raw path of a request URL, one trailing slash ignored (Elysia routes /health/ as /health). */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start === -1) return "/";
  const end = url.indexOf("?", start);
  const path = end === -1 ? url.slice(start) : url.slice(start, end);
  return path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
}
