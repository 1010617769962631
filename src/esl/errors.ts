/**
 * Typed failures of the ESL edge. The runtime maps them: link down / timeout →
 * 503 "switch unavailable", command error → the switch's own -ERR text.
 */

export class EslError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The ESL socket is closed, reset or not yet connected; the request never got (or will never get) its reply. */
export class EslLinkDownError extends EslError {
  constructor(
    message = "ESL link is down",
    readonly reason?: string,
  ) {
    super(message);
  }
}

/** The switch did not answer within the allowed time. The late reply, if any, is discarded. */
export class EslTimeoutError extends EslError {
  constructor(
    readonly operation: string,
    readonly timeoutMs: number,
  ) {
    super(`ESL ${operation} timed out after ${timeoutMs} ms`);
  }
}

/** FreeSWITCH answered `auth` with `-ERR invalid`: a wrong password is not retried. */
export class EslAuthError extends EslError {
  constructor(readonly replyText: string) {
    super(`ESL authentication failed: ${replyText}`);
  }
}

/** The switch answered -ERR, or a command was refused before it reached the wire (invalid / unsafe input). */
export class EslCommandError extends EslError {
  constructor(
    message: string,
    readonly replyText?: string,
  ) {
    super(message);
  }
}
