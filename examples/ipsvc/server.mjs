#!/usr/bin/env node
// ipsvc: the example microservice. Its page shows the server's local IPv4 address and the
// service's version; /healthz answers ok; /version answers JSON. No dependencies.
//   PORT (default 8080), HOST (default 0.0.0.0), VERSION (default 1.0.0)
//   FAIL_HEALTH=1 makes /healthz answer 503 (a bad release, for gate demos).
import http from 'node:http';
import os from 'node:os';

const version = process.env.VERSION ?? '1.0.0';
const failHealth = process.env.FAIL_HEALTH === '1';

export function localIPv4() {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

export function handler(req, res) {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/healthz') {
    res.writeHead(failHealth ? 503 : 200, { 'content-type': 'text/plain' });
    return res.end(failHealth ? 'unhealthy\n' : 'ok\n');
  }
  if (url.pathname === '/version') {
    res.writeHead(200, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ version, ip: localIPv4(), hostname: os.hostname() }));
  }
  if (url.pathname === '/') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    return res.end(
      `<!doctype html><title>ipsvc</title><h1>ipsvc version ${version}</h1><p>Served by ${localIPv4()}</p>\n`,
    );
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = http.createServer(handler);
  server.listen(Number(process.env.PORT ?? 8080), process.env.HOST ?? '0.0.0.0', () => {
    const addr = server.address();
    console.log(`ipsvc ${version} listening on ${typeof addr === 'object' && addr ? addr.port : addr}`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
