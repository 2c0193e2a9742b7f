import { describe, expect, test } from '@jest/globals';
import { requestBytes } from '../../../packages/probe/load-client.js';

const lines = (...l: string[]) => `${l.join('\r\n')}\r\n\r\n`;

describe('requestBytes', () => {
  test.each([
    {
      name: 'a GET: Host from the URL, keep-alive, no length',
      args: ['GET', 'http://127.0.0.1:8080/health?deep=1', { 'user-agent': 'hac' }, undefined],
      want: lines(
        'GET /health?deep=1 HTTP/1.1',
        'Host: 127.0.0.1:8080',
        'user-agent: hac',
        'Connection: keep-alive',
      ),
    },
    {
      name: 'the default port left out, an IPv6 host in brackets',
      args: ['HEAD', 'https://[::1]:443/', {}, undefined],
      want: lines('HEAD / HTTP/1.1', 'Host: [::1]', 'Connection: keep-alive'),
    },
    {
      name: 'a POST without a body sends Content-Length: 0',
      args: ['POST', 'http://example.test/x', {}, undefined],
      want: lines('POST /x HTTP/1.1', 'Host: example.test', 'Connection: keep-alive', 'Content-Length: 0'),
    },
    {
      name: "a body's length in UTF-8 bytes",
      args: ['PUT', 'http://example.test/', { 'content-type': 'text/plain' }, 'héllo'],
      want:
        lines(
          'PUT / HTTP/1.1',
          'Host: example.test',
          'content-type: text/plain',
          'Connection: keep-alive',
          'Content-Length: 6',
        ) + 'héllo',
    },
    {
      name: 'host, connection and content-length given by the check are kept as given',
      args: [
        'POST',
        'http://10.0.0.1/',
        { host: 'api.example.test', connection: 'close', 'content-length': '2' },
        'ok',
      ],
      want:
        lines('POST / HTTP/1.1', 'host: api.example.test', 'connection: close', 'content-length: 2') + 'ok',
    },
    {
      name: 'transfer-encoding: chunked sends the body as one chunk',
      args: ['POST', 'http://example.test/', { 'transfer-encoding': 'chunked' }, 'hello'],
      want:
        lines(
          'POST / HTTP/1.1',
          'Host: example.test',
          'transfer-encoding: chunked',
          'Connection: keep-alive',
        ) + '5\r\nhello\r\n0\r\n\r\n',
    },
  ] as const)('$name', ({ args, want }) => {
    const [method, url, headers, body] = args;
    expect(requestBytes(method, new URL(url), { ...headers }, body).toString('utf8')).toBe(want);
  });

  test.each([
    [{ 'x-token': 's3cret\r\nInjected: 1' }, /header "x-token" has a line break/],
    [{ 'bad name': 'v' }, /"bad name" is not a valid header name/],
  ])('a bad header is refused by name, its value never shown: %j', (headers, error) => {
    const call = () => requestBytes('GET', new URL('http://example.test/'), headers, undefined);
    expect(call).toThrow(error);
    expect(call).not.toThrow(/s3cret/);
  });
});
