/**
 * What a request body may cost before any schema looks at it: a byte cap
 * (413), JSON only (415), valid UTF-8, and a nesting-depth cap checked by a
 * linear scan of the text before JSON.parse — so neither the parser nor the
 * validator (nor Elysia's error message, which pretty-prints the value) ever
 * sees a 50,000-deep document. Every API body is a small JSON object; the
 * deepest (a call with an actions script) nests three levels.
 *
 * This plugin is used after bearerAuth: a keyless request is refused before
 * any of this runs.
 */
import { Elysia } from "elysia";
import { ApiError } from "./errors.ts";

export interface RequestLimits {
  /** Largest request body accepted, in bytes (HTTP_MAX_BODY_BYTES). */
  maxBodyBytes: number;
  /** Deepest nesting of JSON arrays and objects accepted. */
  maxJsonDepth: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = { maxBodyBytes: 64 * 1024, maxJsonDepth: 32 };

const tooLarge = (max: number) =>
  new ApiError(413, "body_too_large", `the request body is larger than ${max} bytes`, [{ field: "(body)", message: `at most ${max} bytes` }]);

const notJson = (message: string) => new ApiError(400, "invalid_json", message);

export function requestLimits(limits: RequestLimits = DEFAULT_REQUEST_LIMITS) {
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  return (
    new Elysia({ name: "request-limits" })
      // A declared length over the cap is refused before a byte of the body is read.
      .onRequest(({ request }) => {
        const declared = request.headers.get("content-length");
        if (declared !== null && Number(declared) > limits.maxBodyBytes) throw tooLarge(limits.maxBodyBytes);
      })
      // Replaces Elysia's body parsers for every route: whatever is returned becomes the body.
      .onParse({ as: "global" }, async ({ request }, contentType) => {
        // No body: null, so the route's schema answers (422), and no later parser reads nothing as JSON.
        if (!request.body) return null;
        const bytes = await readAtMost(request.body, limits.maxBodyBytes);
        if (bytes === null) throw tooLarge(limits.maxBodyBytes);
        if (bytes.byteLength === 0) return null;
        if (!isJsonType(contentType)) {
          throw new ApiError(415, "unsupported_media_type", "send the body as JSON with content-type: application/json");
        }
        let text: string;
        try {
          text = utf8.decode(bytes);
        } catch {
          throw notJson("the request body is not valid UTF-8");
        }
        if (jsonDepthExceeds(text, limits.maxJsonDepth)) {
          throw notJson(`the request body nests deeper than ${limits.maxJsonDepth} levels`);
        }
        try {
          return JSON.parse(text) as unknown;
        } catch {
          throw notJson("the request body is not valid JSON");
        }
      })
  );
}

/**
 * A route's `parse`: never reached for a body (the global parser above returns it or
 * throws), but it tells the OpenAPI generator the body is JSON — it skips function
 * parsers and would print the route's request body with no content type and no schema.
 */
export const JSON_BODY = "json" as const;

function isJsonType(contentType: string | undefined): boolean {
  const type = (contentType ?? "").trim().toLowerCase();
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/** The whole body, or null as soon as it passes `max` bytes (the rest is never read). */
async function readAtMost(body: ReadableStream<Uint8Array>, max: number): Promise<Uint8Array | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      void reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/**
 * True when JSON text opens more than `max` arrays/objects at once. One pass,
 * skipping string contents (a "[" inside a string is not nesting); malformed
 * text is left for JSON.parse to refuse.
 */
export function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}
