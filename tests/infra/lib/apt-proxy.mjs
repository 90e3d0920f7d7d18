#!/usr/bin/env node
// A minimal forward HTTP proxy for apt inside a bare test VPS, which has no default route and no
// DNS: apt asks this proxy (on the VPS's host-side address) for absolute http:// URLs, and the
// proxy fetches them from the host. Only GET/HEAD to the allowed mirror hosts pass; anything
// else gets 403, so the VPS reaches nothing but Debian's mirror.
//
//   node apt-proxy.mjs LISTEN_ADDRESS PORT HOST[,HOST...]
import console from 'node:console';
import http from 'node:http';
import process from 'node:process';
import { URL } from 'node:url';

const [address, portText, allowText] = process.argv.slice(2);
if (!address || !portText || !allowText) {
  console.error('usage: apt-proxy.mjs LISTEN_ADDRESS PORT HOST[,HOST...]');
  process.exit(2);
}
const allowed = new Set(allowText.split(',').filter(Boolean));
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
// Headers that describe one hop, not the message: never forwarded.
const hopByHop = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
  'transfer-encoding',
];

function withoutHopHeaders(headers) {
  const copy = { ...headers };
  for (const h of hopByHop) delete copy[h];
  return copy;
}

function refuse(res, status, why) {
  res.writeHead(status, { 'content-type': 'text/plain' });
  res.end(`${why}\n`);
}

const server = http.createServer((req, res) => {
  let url;
  try {
    url = new URL(req.url);
  } catch {
    return refuse(res, 400, 'absolute http:// URLs only');
  }
  if (url.protocol !== 'http:' || !allowed.has(url.hostname) || !['GET', 'HEAD'].includes(req.method)) {
    console.log(`refused ${req.method} ${req.url}`);
    return refuse(res, 403, `this test-bed proxy only fetches from ${[...allowed].join(', ')}`);
  }
  const upstream = http.request(
    url,
    { method: req.method, headers: { ...withoutHopHeaders(req.headers), host: url.host }, agent },
    (answer) => {
      console.log(`${answer.statusCode} ${req.method} ${req.url}`);
      res.writeHead(answer.statusCode ?? 502, withoutHopHeaders(answer.headers));
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    },
  );
  upstream.on('error', (err) => {
    console.log(`error ${req.method} ${req.url}: ${err.message}`);
    if (!res.headersSent) refuse(res, 502, err.message);
    else res.destroy();
  });
  upstream.end();
});
server.on('clientError', (_err, socket) => socket.destroy());
server.listen(Number(portText), address, () => console.log(`listening on ${address}:${portText}`));
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));
