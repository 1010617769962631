/**
 * OpenAI's error bodies, as the API returns them and the `openai` package reads
 * them: `{"error": {"message", "type", "param", "code"}}`. The package turns a
 * non-2xx status into APIError.generate(status, body.error, …) — 400
 * BadRequestError, 401 AuthenticationError, 5xx InternalServerError
 * (node_modules/openai/src/core/error.ts) — and takes the text from
 * `error.message`.
 */

export interface OpenAIErrorBody {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export function errorBody(message: string, type: string, param: string | null = null, code: string | null = null): { error: OpenAIErrorBody } {
  return { error: { message, type, param, code } };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/** No Authorization header: the API's own wording. */
export function missingKey(): Response {
  return json(
    401,
    errorBody(
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      "invalid_request_error",
    ),
  );
}

/** A key that is not the configured one; the API echoes a masked key. */
export function wrongKey(key: string): Response {
  const masked = key.length > 8 ? `${key.slice(0, 3)}*****${key.slice(-4)}` : "*****";
  return json(
    401,
    errorBody(
      `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      "invalid_request_error",
      null,
      "invalid_api_key",
    ),
  );
}

export function badRequest(message: string, param: string | null = null, code: string | null = null): Response {
  return json(400, errorBody(message, "invalid_request_error", param, code));
}

export function unparseableJson(): Response {
  return badRequest(
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
  );
}

export function notFound(method: string, path: string): Response {
  return json(404, errorBody(`Invalid URL (${method} ${path})`, "invalid_request_error"));
}

export const SERVER_ERROR_MESSAGE = "The server had an error while processing your request. Sorry about that!";

/**
 * An injected HTTP failure. `x-should-retry: false` tells the package not to
 * retry on its own (client.ts shouldRetry obeys that header before the status),
 * so a client built with default retries still sees the fault once.
 */
export function httpFault(status: number, message?: string, type?: string, code?: string): Response {
  const defaultType = status >= 500 ? "server_error" : status === 429 ? "requests" : "invalid_request_error";
  return json(status, errorBody(message ?? (status >= 500 ? SERVER_ERROR_MESSAGE : `Simulated HTTP ${status}.`), type ?? defaultType, null, code ?? null), {
    "x-should-retry": "false",
  });
}
