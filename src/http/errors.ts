/**
 * The API's error shape: {"error": {"code", "message", "details"}} with the
 * status codes ARCHITECTURE.md lists. Handlers throw ApiError; validation and
 * parse failures from Elysia are mapped here, so every refusal looks the same.
 */

export interface ErrorDetail {
  field: string;
  message: string;
}

export interface ErrorBody {
  error: { code: string; message: string; details: ErrorDetail[] | Record<string, unknown>[] };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] | Record<string, unknown>[] = [],
  ) {
    super(message);
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export const notFound = (what: string, id: string) => new ApiError(404, "not_found", `${what} ${id} does not exist`);

export const conflict = (message: string, state: unknown) =>
  new ApiError(409, "invalid_state", message, [{ state } as Record<string, unknown>]);

export const switchUnavailable = () =>
  new ApiError(503, "switch_unavailable", "the switch link is down; try again when /health reports it up");

export const unauthorized = (message = "missing or invalid API key: send Authorization: Bearer <key>") =>
  new ApiError(401, "unauthorized", message);

/** Details listed in one 422 at most: a hostile body must not make the answer huge. */
export const MAX_ERROR_DETAILS = 50;

/**
 * One detail per bad field from a Standard Schema (zod) validation failure.
 * An unknown-keys issue becomes one detail per unknown field, named with its
 * full path (as Stripe does), so a misspelt field is never silently ignored.
 */
export function validationDetails(issues: unknown): ErrorDetail[] {
  if (!Array.isArray(issues)) return [];
  const details: ErrorDetail[] = [];
  for (const issue of issues as Array<{ path?: unknown; message?: unknown; summary?: unknown; code?: unknown; keys?: unknown }>) {
    if (issue.code === "unrecognized_keys" && Array.isArray(issue.keys)) {
      const base = Array.isArray(issue.path) ? issue.path : [];
      for (const key of issue.keys) details.push({ field: fieldName([...base, key]), message: "unknown field" });
    } else {
      details.push({ field: fieldName(issue.path), message: String(issue.message ?? issue.summary ?? "invalid") });
    }
  }
  return details.slice(0, MAX_ERROR_DETAILS);
}

/** The 422 for a request whose fields are invalid, listing each bad field. */
export function invalidRequest(details: ErrorDetail[]): ApiError {
  return new ApiError(422, "invalid_request", `request is invalid: ${details.map((d) => d.field).join(", ")}`, details);
}

function fieldName(path: unknown): string {
  if (Array.isArray(path) && path.length > 0) {
    return path.map((p) => (typeof p === "object" && p && "key" in p ? String(p.key) : String(p))).join(".");
  }
  if (typeof path === "string") return path.replace(/^\//, "").replace(/\//g, ".") || "(body)";
  return "(body)";
}

/**
 * Any error thrown while serving a request, as the API's error shape: ours as
 * they are, Elysia's (validation, parse, not found, other 4xx) translated, and
 * anything else a 500. Nothing reaches a client in another shape.
 */
export function apiErrorOf(code: unknown, error: unknown, path: string): ApiError {
  if (error instanceof ApiError) return error;
  switch (code) {
    case "PARSE": {
      // Our body parser (request-limits.ts) throws ApiErrors; Elysia wraps them in a ParseError.
      const cause = (error as { cause?: unknown }).cause;
      return cause instanceof ApiError ? cause : new ApiError(400, "invalid_json", "the request body is not valid JSON");
    }
    case "VALIDATION":
      return invalidRequest(validationDetails(issuesOf(error)));
    case "NOT_FOUND":
      return new ApiError(404, "not_found", `no route for ${path}`);
  }
  const status = typeof code === "number" ? code : (error as { status?: unknown }).status;
  if (typeof status === "number" && status >= 400 && status < 500) {
    return new ApiError(status, "bad_request", "the request cannot be served as sent");
  }
  return new ApiError(500, "internal_error", "internal error");
}

/**
 * The full issues of an Elysia ValidationError, from its Standard Schema.
 * (Its `all` keeps only path and message, losing the unknown keys' names.)
 */
function issuesOf(error: unknown): unknown {
  const { validator, value, all } = error as { validator?: Record<string, any>; value?: unknown; all?: unknown };
  const standard = validator && ("~standard" in validator ? validator["~standard"] : validator.schema?.["~standard"]);
  if (standard) {
    const result = standard.validate(value);
    if (!(result instanceof Promise)) return result.issues;
  }
  return all;
}

