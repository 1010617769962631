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

/** One detail per bad field from a Standard Schema (zod) validation failure. */
export function validationDetails(issues: unknown): ErrorDetail[] {
  if (!Array.isArray(issues)) return [];
  return issues.map((issue: { path?: unknown; message?: unknown; summary?: unknown }) => ({
    field: fieldName(issue.path),
    message: String(issue.message ?? issue.summary ?? "invalid"),
  }));
}

function fieldName(path: unknown): string {
  if (Array.isArray(path)) return path.map((p) => (typeof p === "object" && p && "key" in p ? String(p.key) : String(p))).join(".");
  if (typeof path === "string") return path.replace(/^\//, "").replace(/\//g, ".") || "(body)";
  return "(body)";
}
