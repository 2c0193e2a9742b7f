import { describe, expect, test } from '@jest/globals';
import { MAX_HEAD_BYTES, ResponseParser } from '../../../packages/probe/response-parser.js';

type Seen = Array<[status: number, keepAlive: boolean]>;

interface Parsed {
  responses: Seen;
  error?: string;
  idle: boolean;
}

/** Feeds the chunks in order (then the end of the connection, when asked); never throws. */
function parse(chunks: Buffer[], opts: { head?: boolean; end?: boolean } = {}): Parsed {
  const responses: Seen = [];
  const parser = new ResponseParser((status, keepAlive) => responses.push([status, keepAlive]), opts.head);
  try {
    for (const chunk of chunks) parser.feed(chunk);
    if (opts.end) parser.end();
  } catch (err) {
    return { responses, error: (err as Error).message, idle: parser.idle };
  }
  return { responses, idle: parser.idle };
}

/** The input cut at every byte boundary (two chunks), and one byte at a time. */
function splits(input: Buffer): Buffer[][] {
  const out: Buffer[][] = [[input]];
  for (let k = 1; k < input.length; k++) out.push([input.subarray(0, k), input.subarray(k)]);
  out.push([...input].map((b) => Buffer.from([b])));
  return out;
}

const CL = (body: string, extra = '') =>
  `HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

interface Case {
  name: string;
  input: string;
  head?: boolean;
  /** The connection ends after the input. */
  end?: boolean;
  responses: Seen;
  /** Between responses at the end (only for inputs that parse). */
  idle?: boolean;
  error?: RegExp;
}

const good: Case[] = [
  { name: 'Content-Length body', input: CL('ok'), responses: [[200, true]], idle: true },
  { name: 'empty body, Content-Length 0', input: CL(''), responses: [[200, true]], idle: true },
  { name: 'no reason phrase', input: 'HTTP/1.1 503\r\nContent-Length: 0\r\n\r\n', responses: [[503, true]] },
  {
    name: 'empty reason phrase',
    input: 'HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n',
    responses: [[404, true]],
  },
  {
    name: 'chunked body',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
    responses: [[200, true]],
    idle: true,
  },
  {
    name: 'chunked with extensions, upper-case hex and trailers',
    input:
      'HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n' +
      '5;name=value\r\nhello\r\nA ; a="q;x"\r\n0123456789\r\n0;last\r\nX-Checksum: abc\r\nX-Other:\r\n\r\n',
    responses: [[200, true]],
    idle: true,
  },
  {
    name: 'Connection: close',
    input: CL('bye', 'Connection: close\r\n'),
    responses: [[200, false]],
  },
  {
    name: 'Connection options as a list',
    input: CL('bye', 'Connection: Upgrade, CLOSE\r\n'),
    responses: [[200, false]],
  },
  {
    name: 'HTTP/1.0 closes by default',
    input: 'HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok',
    responses: [[200, false]],
  },
  {
    name: 'HTTP/1.0 with keep-alive',
    input: 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok',
    responses: [[200, true]],
  },
  {
    name: 'HEAD: Content-Length names the GET body, none follows',
    input:
      'HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
    head: true,
    responses: [
      [200, true],
      [200, true],
    ],
    idle: true,
  },
  {
    name: '204 and 304 have no body',
    input:
      'HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\nHTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n',
    responses: [
      [204, true],
      [304, true],
    ],
    idle: true,
  },
  {
    name: 'interim 100 and 103 responses before the final one',
    input: 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n' + CL('ok'),
    responses: [[200, true]],
    idle: true,
  },
  {
    name: 'pipelined responses in one buffer',
    input:
      CL('one') +
      'HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n' +
      'HTTP/1.1 204 No Content\r\n\r\n' +
      CL('four', 'Connection: close\r\n'),
    responses: [
      [200, true],
      [500, true],
      [204, true],
      [200, false],
    ],
    idle: true,
  },
  {
    name: 'a body read to the close',
    input: 'HTTP/1.1 200 OK\r\n\r\nall of it',
    end: true,
    responses: [[200, false]],
  },
  {
    name: 'a final coding other than chunked: read to the close',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\u0001\u0002',
    end: true,
    responses: [[200, false]],
  },
  {
    name: 'Transfer-Encoding over Content-Length, and the connection not reused',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n',
    responses: [[200, false]],
  },
  {
    name: 'the same Content-Length twice',
    input: CL('abcde', 'content-length: 5, 5\r\n'),
    responses: [[200, true]],
  },
  {
    name: 'header names in any case',
    input: 'HTTP/1.1 200 OK\r\nCONTENT-LENGTH:2\r\n\r\nok',
    responses: [[200, true]],
  },
  { name: 'bare LF line ends', input: 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok', responses: [[200, true]] },
  {
    name: 'a folded header that frames nothing',
    input: CL('ok', 'X-Long: a\r\n  b\r\n'),
    responses: [[200, true]],
  },
  { name: 'empty lines before the status line', input: `\r\n\r\n${CL('ok')}`, responses: [[200, true]] },
  { name: 'the connection ends between responses', input: CL('ok'), end: true, responses: [[200, true]] },
  { name: 'a response not ended yet', input: CL('ok').slice(0, -1), responses: [], idle: false },
];

const bad: Case[] = [
  { name: 'not HTTP/1.x', input: 'HTTP/2 200 OK\r\n\r\n', responses: [], error: /status line/ },
  { name: 'a four-digit status', input: 'HTTP/1.1 2000 OK\r\n\r\n', responses: [], error: /status line/ },
  { name: 'a two-digit status', input: 'HTTP/1.1 20 OK\r\n\r\n', responses: [], error: /status line/ },
  { name: 'a status from 0', input: 'HTTP/1.1 099 OK\r\n\r\n', responses: [], error: /status line/ },
  { name: 'no status line at all', input: 'hello\r\n', responses: [], error: /status line/ },
  {
    name: 'a Content-Length that is no number',
    input: CL('', 'Content-Length: abc\r\n'),
    responses: [],
    error: /Content-Length is not a number/,
  },
  {
    name: 'a negative Content-Length',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
    responses: [],
    error: /not a number/,
  },
  {
    name: 'an empty Content-Length',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n',
    responses: [],
    error: /empty/,
  },
  {
    name: 'two different Content-Lengths',
    input: CL('ab', 'Content-Length: 3\r\n'),
    responses: [],
    error: /different values/,
  },
  {
    name: 'a header line without a colon',
    input: 'HTTP/1.1 200 OK\r\nBroken header\r\n\r\n',
    responses: [],
    error: /not a token/,
  },
  {
    name: 'space before the colon',
    input: 'HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok',
    responses: [],
    error: /not a token/,
  },
  {
    name: 'an empty header name',
    input: 'HTTP/1.1 200 OK\r\n: x\r\n\r\n',
    responses: [],
    error: /no "name:"/,
  },
  {
    name: 'a folded Content-Length',
    input: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n 2\r\n\r\nok',
    responses: [],
    error: /folded/,
  },
  {
    name: 'a chunk size that is not hexadecimal',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    responses: [],
    error: /chunk size/,
  },
  {
    name: 'junk after a chunk size',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n',
    responses: [],
    error: /chunk size/,
  },
  {
    name: 'a chunk size of 13 hex digits',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000\r\n',
    responses: [],
    error: /chunk size/,
  },
  {
    name: 'a chunk longer than its size',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n',
    responses: [],
    error: /longer than its size/,
  },
  {
    name: 'a trailer line without a colon',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nnot a field\r\n\r\n',
    responses: [],
    error: /trailer/,
  },
  {
    name: '101 Switching Protocols',
    input: 'HTTP/1.1 101 Switching Protocols\r\n\r\n',
    responses: [],
    error: /101/,
  },
  {
    name: 'the connection closes in the body',
    input: CL('hello').slice(0, -2),
    end: true,
    responses: [],
    error: /closed before the response ended/,
  },
  {
    name: 'the connection closes in the headers',
    input: 'HTTP/1.1 200 OK\r\nContent-Le',
    end: true,
    responses: [],
    error: /closed before the response ended/,
  },
  {
    name: 'the connection closes in a chunked body',
    input: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n',
    end: true,
    responses: [],
    error: /closed before the response ended/,
  },
  {
    name: 'a good response, then garbage',
    input: `${CL('ok')}garbage\r\n`,
    responses: [[200, true]],
    error: /status line/,
  },
];

describe('ResponseParser', () => {
  test.each(good)('$name, split at every byte', ({ input, head, end, responses, idle }) => {
    for (const chunks of splits(Buffer.from(input, 'latin1'))) {
      const r = parse(chunks, { head, end });
      expect(r).toEqual({ responses, idle: idle ?? true });
    }
  });

  test.each(bad)('$name is an error, split at every byte', ({ input, head, end, responses, error }) => {
    for (const chunks of splits(Buffer.from(input, 'latin1'))) {
      const r = parse(chunks, { head, end });
      expect(r.responses).toEqual(responses);
      expect(r.error).toMatch(/^malformed response: /);
      expect(r.error).toMatch(error as RegExp);
    }
  });

  test.each([
    [
      'a header section',
      `HTTP/1.1 200 OK\r\n${'X-Pad: y\r\n'.repeat(MAX_HEAD_BYTES / 10)}\r\n`,
      /header section is too long/,
    ],
    ['one long header line', `HTTP/1.1 200 OK\r\nX-Pad: ${'y'.repeat(MAX_HEAD_BYTES)}`, /line is too long/],
    [
      'a chunk extension',
      `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;${'e'.repeat(MAX_HEAD_BYTES)}\r\n`,
      /line is too long/,
    ],
  ])('%s longer than the limit is an error', (_what, input, error) => {
    const text = Buffer.from(input, 'latin1');
    // In 1 kB pieces, as a socket would deliver it, and in one piece.
    const pieces = Array.from({ length: Math.ceil(text.length / 1024) }, (_, i) =>
      text.subarray(i * 1024, (i + 1) * 1024),
    );
    expect(parse(pieces).error).toMatch(error);
    expect(parse([text]).error).toMatch(error);
  });

  test('a body of many pieces is skipped, not kept', () => {
    const size = 5 * 1024 * 1024;
    const head = Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${size}\r\n\r\n`);
    const piece = Buffer.alloc(64 * 1024, 'x');
    const chunks = [head, ...Array.from({ length: size / piece.length }, () => piece), Buffer.from(CL('ok'))];
    expect(parse(chunks)).toEqual({
      responses: [
        [200, true],
        [200, true],
      ],
      idle: true,
    });
  });
});
