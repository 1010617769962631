/**
 * Client → server framing of mod_event_socket (read_packet): a command line,
 * `Name: value` header lines, a blank line, then Content-Length bytes of body
 * if that header is present. LF or CRLF; blank lines before a command are
 * skipped; header names are case-insensitive.
 *
 * Chunks are kept in a list and joined once per frame, so a large body that
 * arrives in many chunks costs linear time, not quadratic.
 */

/** read_packet drops the connection on a Content-Length below 0 or above this. */
export const MAX_BODY_BYTES = 16 * 1024 * 1024;

export interface ClientCommand {
  /** The first line, CR stripped. */
  command: string;
  /** Header names lower-cased; a repeated header keeps its first value. */
  headers: Map<string, string>;
  /** Headers in arrival order with their original names (sendevent keeps them). */
  rawHeaders: Array<[string, string]>;
  body: string | undefined;
}

export class ProtocolViolation extends Error {}

export class CommandReader {
  private chunks: Buffer[] = [];
  private total = 0;
  /** Scan position for the header terminator: chunk index and offset. */
  private scanChunk = 0;
  private scanOffset = 0;
  /** Bytes scanned so far in the current header block. */
  private scanned = 0;
  /** Length of the current line so far, and whether it held only CRs. */
  private lineLen = 0;
  private lineOnlyCr = true;
  /** Whether the block has seen a non-blank line (blank lines before a command are skipped). */
  private sawContent = false;
  private pendingHead: { command: string; headers: Map<string, string>; rawHeaders: Array<[string, string]>; bodyLength: number } | undefined;

  /** Feed bytes; returns every complete command. Throws ProtocolViolation on a bad Content-Length. */
  push(chunk: Buffer): ClientCommand[] {
    if (chunk.length > 0) {
      this.chunks.push(chunk);
      this.total += chunk.length;
    }
    const out: ClientCommand[] = [];
    for (;;) {
      if (this.pendingHead) {
        const need = this.pendingHead.bodyLength;
        if (this.total < need) break;
        const body = this.take(need).toString("utf8");
        const { command, headers, rawHeaders } = this.pendingHead;
        this.pendingHead = undefined;
        out.push({ command, headers, rawHeaders, body });
        continue;
      }
      const headerEnd = this.scanForHeaderEnd();
      if (headerEnd < 0) break;
      const block = this.take(headerEnd).toString("utf8");
      const parsed = parseHeaderBlock(block);
      if (!parsed) continue;
      const lengthText = parsed.headers.get("content-length");
      if (lengthText !== undefined) {
        const bodyLength = Number.parseInt(lengthText, 10);
        if (!Number.isFinite(bodyLength) || bodyLength < 0 || bodyLength > MAX_BODY_BYTES) {
          throw new ProtocolViolation(`bad Content-Length ${JSON.stringify(lengthText)}`);
        }
        if (bodyLength > 0) {
          this.pendingHead = { ...parsed, bodyLength };
          continue;
        }
      }
      out.push({ ...parsed, body: undefined });
    }
    return out;
  }

  /**
   * Find the end of the header block (just past the blank line) as a byte
   * count from the start of the buffered data; -1 if not there yet. Resumes
   * where the previous call stopped.
   */
  private scanForHeaderEnd(): number {
    while (this.scanChunk < this.chunks.length) {
      const chunk = this.chunks[this.scanChunk]!;
      while (this.scanOffset < chunk.length) {
        const lf = chunk.indexOf(10, this.scanOffset);
        const segEnd = lf < 0 ? chunk.length : lf;
        for (let i = this.scanOffset; i < segEnd; i++) {
          if (chunk[i] !== 13) this.lineOnlyCr = false;
        }
        this.lineLen += segEnd - this.scanOffset;
        this.scanned += segEnd - this.scanOffset;
        if (lf < 0) {
          this.scanOffset = chunk.length;
          break;
        }
        this.scanned += 1;
        this.scanOffset = lf + 1;
        const blank = this.lineLen === 0 || this.lineOnlyCr;
        this.lineLen = 0;
        this.lineOnlyCr = true;
        if (blank) {
          if (this.sawContent) {
            const end = this.scanned;
            this.resetScan();
            return end;
          }
          continue; // leading blank lines are skipped by read_packet
        }
        this.sawContent = true;
      }
      this.scanChunk++;
      this.scanOffset = 0;
    }
    return -1;
  }

  private resetScan(): void {
    this.scanChunk = 0;
    this.scanOffset = 0;
    this.scanned = 0;
    this.lineLen = 0;
    this.lineOnlyCr = true;
    this.sawContent = false;
  }

  /** Remove and return the first n buffered bytes (copying only when they span chunks). */
  private take(n: number): Buffer {
    if (n === 0) return Buffer.alloc(0);
    const first = this.chunks[0]!;
    let result: Buffer;
    if (first.length >= n) {
      result = first.subarray(0, n);
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
    } else {
      const parts: Buffer[] = [];
      let remaining = n;
      while (remaining > 0) {
        const c = this.chunks[0]!;
        if (c.length <= remaining) {
          parts.push(c);
          remaining -= c.length;
          this.chunks.shift();
        } else {
          parts.push(c.subarray(0, remaining));
          this.chunks[0] = c.subarray(remaining);
          remaining = 0;
        }
      }
      result = Buffer.concat(parts, n);
    }
    this.total -= n;
    return result;
  }
}

function parseHeaderBlock(block: string): Omit<ClientCommand, "body"> | undefined {
  const lines = block.split("\n");
  let command: string | undefined;
  const headers = new Map<string, string>();
  const rawHeaders: Array<[string, string]> = [];
  for (const raw of lines) {
    const line = raw.endsWith("\r") ? raw.replace(/\r+$/, "") : raw;
    if (line === "") continue;
    if (command === undefined) {
      command = line;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon);
    const value = line.slice(colon + 1).replace(/^ +/, "");
    rawHeaders.push([name, value]);
    const key = name.toLowerCase();
    if (!headers.has(key)) headers.set(key, value);
  }
  if (command === undefined) return undefined;
  return { command, headers, rawHeaders };
}
