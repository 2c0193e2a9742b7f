// HTTP/1.1 response framing for the load phase (RFC 9112): the status line, the three headers that
// frame a message (Content-Length, Transfer-Encoding, Connection), and bodies skipped by length,
// by chunks or to the close. Bodies and other headers are never decoded. Pure: bytes in,
// (status, keep-alive) out, or a ResponseParseError for anything malformed.

/** A malformed response; the load phase counts it as a transport error. */
export class ResponseParseError extends Error {
  constructor(message: string) {
    super(`malformed response: ${message}`);
    this.name = 'ResponseParseError';
  }
}

/** Called once per complete response; keepAlive is whether the connection may carry the next request. */
export type OnResponse = (status: number, keepAlive: boolean) => void;

/** The longest status line and header section accepted, and the longest chunk-size or trailer line. */
export const MAX_HEAD_BYTES = 64 * 1024;

const STATUS_LINE = 0;
const HEADERS = 1;
const BODY = 2;
const CHUNK_SIZE = 3;
const CHUNK_DATA = 4;
const CHUNK_END = 5;
const TRAILERS = 6;
const TO_CLOSE = 7;

/** Carriage return, line feed, space and horizontal tab. */
const [CR, LF, SP, HT] = [13, 10, 32, 9];

const CONTENT_LENGTH = Buffer.from('content-length');
const TRANSFER_ENCODING = Buffer.from('transfer-encoding');
const CONNECTION = Buffer.from('connection');
const HTTP1 = Buffer.from('HTTP/1.');

/** RFC 9110 token characters, for header names. */
const TOKEN = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
  TOKEN[c.charCodeAt(0)] = 1;

/** Whether buf[s, e) is `lower` in any letter case. */
function nameIs(buf: Buffer, s: number, e: number, lower: Buffer): boolean {
  if (e - s !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) if (((buf[s + i] as number) | 0x20) !== lower[i]) return false;
  return true;
}

/** A field value with its optional whitespace trimmed, lower-cased. */
function fieldValue(buf: Buffer, s: number, e: number): string {
  while (s < e && (buf[s] === SP || buf[s] === HT)) s++;
  while (e > s && (buf[e - 1] === SP || buf[e - 1] === HT)) e--;
  return buf.toString('latin1', s, e).toLowerCase();
}

/** The comma-separated elements of a list header, trimmed, empty ones dropped (RFC 9110 5.6.1). */
function listItems(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

/** Parses one response after another from the bytes of one connection. */
export class ResponseParser {
  private state = STATUS_LINE;
  /** A line cut by the end of a chunk, carried to the next one. */
  private pending: Buffer | undefined;
  private headBytes = 0;
  private status = 0;
  private http10 = false;
  private close = false;
  private keepAliveAsked = false;
  private length = -1;
  private codings: string[] | undefined;
  private lastWasFraming = false;
  private remaining = 0;

  /** head: the requests are HEAD, so no response has a body whatever its headers say. */
  constructor(
    private readonly onResponse: OnResponse,
    private readonly head = false,
  ) {}

  /** Between responses, with no byte of the next one received. */
  get idle(): boolean {
    return this.state === STATUS_LINE && this.pending === undefined;
  }

  /** Feeds the next bytes of the connection; throws ResponseParseError on malformed input. */
  feed(buf: Buffer): void {
    let at = 0;
    while (at < buf.length) {
      if (this.state === BODY || this.state === CHUNK_DATA) at = this.skip(buf, at);
      else if (this.state === TO_CLOSE) at = buf.length;
      else at = this.line(buf, at);
    }
  }

  /** The connection ended: completes a body read to the close, or throws if a response was cut short. */
  end(): void {
    if (this.state === TO_CLOSE) this.complete();
    else if (!this.idle) throw new ResponseParseError('the connection closed before the response ended');
  }

  private skip(buf: Buffer, at: number): number {
    const n = Math.min(this.remaining, buf.length - at);
    this.remaining -= n;
    if (this.remaining === 0) {
      if (this.state === BODY) this.complete();
      else this.state = CHUNK_END;
    }
    return at + n;
  }

  /** Consumes up to and including the next LF (or carries the rest); returns the next offset. */
  private line(buf: Buffer, at: number): number {
    const lf = buf.indexOf(LF, at);
    const carried = this.pending?.length ?? 0;
    if (lf < 0) {
      if (carried + buf.length - at > MAX_HEAD_BYTES) throw new ResponseParseError('a line is too long');
      const rest = buf.subarray(at);
      this.pending = this.pending ? Buffer.concat([this.pending, rest]) : Buffer.from(rest);
      return buf.length;
    }
    let line = buf;
    let s = at;
    if (this.pending) {
      line = Buffer.concat([this.pending, buf.subarray(at, lf)]);
      this.pending = undefined;
      s = 0;
    }
    let e = line === buf ? lf : line.length;
    if (this.state === STATUS_LINE || this.state === HEADERS || this.state === TRAILERS) {
      this.headBytes += e - s + 1;
      if (this.headBytes > MAX_HEAD_BYTES) throw new ResponseParseError('the header section is too long');
    } else if (e - s > MAX_HEAD_BYTES) throw new ResponseParseError('a line is too long');
    if (e > s && line[e - 1] === CR) e--;
    this.onLine(line, s, e);
    return lf + 1;
  }

  private onLine(buf: Buffer, s: number, e: number): void {
    switch (this.state) {
      case STATUS_LINE:
        // Like node's parser, empty lines before a status line are skipped.
        if (e > s) this.statusLine(buf, s, e);
        else this.headBytes = 0;
        return;
      case HEADERS:
        if (e === s) this.headersEnd();
        else this.headerLine(buf, s, e);
        return;
      case CHUNK_SIZE:
        return this.chunkSize(buf, s, e);
      case CHUNK_END:
        if (e !== s) throw new ResponseParseError('a chunk is longer than its size');
        this.state = CHUNK_SIZE;
        return;
      case TRAILERS: {
        // Trailer fields are read past, not used.
        const colon = e === s ? -1 : buf.indexOf(58, s);
        if (e === s) this.complete();
        else if (colon <= s || colon >= e) throw new ResponseParseError('a trailer line has no "name:"');
        return;
      }
    }
  }

  /** HTTP/1.x SP 3DIGIT [SP reason] */
  private statusLine(buf: Buffer, s: number, e: number): void {
    const digit = (i: number) => (buf[s + i] as number) >= 48 && (buf[s + i] as number) <= 57;
    const ok =
      e - s >= 12 &&
      buf.compare(HTTP1, 0, 7, s, s + 7) === 0 &&
      digit(7) &&
      buf[s + 8] === SP &&
      (buf[s + 9] as number) >= 49 &&
      digit(9) &&
      digit(10) &&
      digit(11) &&
      (e - s === 12 || buf[s + 12] === SP);
    if (!ok) throw new ResponseParseError('the status line is not "HTTP/1.x <3-digit status> <reason>"');
    this.status =
      ((buf[s + 9] as number) - 48) * 100 +
      ((buf[s + 10] as number) - 48) * 10 +
      (buf[s + 11] as number) -
      48;
    this.http10 = buf[s + 7] === 48;
    this.close = false;
    this.keepAliveAsked = false;
    this.length = -1;
    this.codings = undefined;
    this.lastWasFraming = false;
    this.state = HEADERS;
  }

  private headerLine(buf: Buffer, s: number, e: number): void {
    if (buf[s] === SP || buf[s] === HT) {
      // obs-fold (RFC 9112 5.2): a continuation is taken as spaces, except on a framing header.
      if (this.lastWasFraming) throw new ResponseParseError('a framing header is folded over lines');
      return;
    }
    let colon = s;
    while (colon < e && buf[colon] !== 58) {
      if (!TOKEN[buf[colon] as number]) throw new ResponseParseError('a header name is not a token');
      colon++;
    }
    if (colon === s || colon === e) throw new ResponseParseError('a header line has no "name:"');
    this.lastWasFraming = false;
    if (nameIs(buf, s, colon, CONTENT_LENGTH)) this.contentLength(fieldValue(buf, colon + 1, e));
    else if (nameIs(buf, s, colon, TRANSFER_ENCODING)) {
      this.codings = [...(this.codings ?? []), ...listItems(fieldValue(buf, colon + 1, e))];
      this.lastWasFraming = true;
    } else if (nameIs(buf, s, colon, CONNECTION)) {
      const value = fieldValue(buf, colon + 1, e);
      for (const option of value === 'keep-alive' || value === 'close' ? [value] : listItems(value)) {
        if (option === 'close') this.close = true;
        else if (option === 'keep-alive') this.keepAliveAsked = true;
      }
    }
  }

  /** Content-Length: digits; repeated (as lines or a list) only with the same value. */
  private contentLength(value: string): void {
    this.lastWasFraming = true;
    for (const item of /^\d+$/.test(value) ? [value] : listItems(value)) {
      if (!/^\d{1,15}$/.test(item)) throw new ResponseParseError('Content-Length is not a number');
      const n = Number(item);
      if (this.length >= 0 && n !== this.length)
        throw new ResponseParseError('Content-Length is given twice with different values');
      this.length = n;
    }
    if (this.length < 0) throw new ResponseParseError('Content-Length is empty');
  }

  /** How the body is framed (RFC 9112 6.3), once the header section has ended. */
  private headersEnd(): void {
    const status = this.status;
    if (status === 101)
      throw new ResponseParseError('101 Switching Protocols to a request that asked for none');
    if (status < 200) {
      // An interim response (100 Continue, 103 Early Hints): the final one follows.
      this.state = STATUS_LINE;
      this.headBytes = 0;
      return;
    }
    if (this.http10 ? !this.keepAliveAsked : this.close) this.close = true;
    if (this.head || status === 204 || status === 304) return this.complete();
    if (this.codings) {
      // Transfer-Encoding wins over Content-Length, but such a connection is not trusted further.
      if (this.length >= 0) this.close = true;
      if (this.codings[this.codings.length - 1] === 'chunked') this.state = CHUNK_SIZE;
      else this.toClose();
    } else if (this.length > 0) {
      this.remaining = this.length;
      this.state = BODY;
    } else if (this.length === 0) this.complete();
    else this.toClose();
  }

  private toClose(): void {
    this.close = true;
    this.state = TO_CLOSE;
  }

  /** chunk-size [BWS ; chunk-ext] */
  private chunkSize(buf: Buffer, s: number, e: number): void {
    let i = s;
    let size = 0;
    for (; i < e; i++) {
      const c = (buf[i] as number) | 0x20;
      const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
      if (v < 0) break;
      size = size * 16 + v;
    }
    if (i === s || i - s > 12) throw new ResponseParseError('a chunk size is not a hexadecimal number');
    while (i < e && (buf[i] === SP || buf[i] === HT)) i++;
    if (i < e && buf[i] !== 59) throw new ResponseParseError('a chunk size is not a hexadecimal number');
    this.headBytes = 0;
    if (size === 0) this.state = TRAILERS;
    else {
      this.remaining = size;
      this.state = CHUNK_DATA;
    }
  }

  private complete(): void {
    const { status, close } = this;
    this.state = STATUS_LINE;
    this.headBytes = 0;
    this.onResponse(status, !close);
  }
}
