#!/usr/bin/env node
// Serves the browser demo on 127.0.0.1: the page from www/ and the npm package from js/
// (index.js, lib/, pkg/), with the MIME types a module worker and WebAssembly need, and
// a Content-Security-Policy that allows no connection off the page's origin.
//
//   node www/serve.mjs [--port N]      (0 picks a free port; the URL is printed)

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** The only paths served, under the repository's root. */
const SERVED = ["/www/", "/js/index.js", "/js/lib/", "/js/pkg/"];

/** Paths under www/ that are not part of the page. */
const HIDDEN = ["/www/node_modules/", "/www/test/"];

export const CSP = [
  "default-src 'self'",
  "connect-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "font-src 'none'",
  "media-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ts": "text/plain; charset=utf-8",
};

const HEADERS = {
  "content-security-policy": CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-cache",
};

/** The file a request path names, or `undefined` when it is not served. */
function fileFor(path) {
  const clean = normalize(path).split(sep).join("/");
  if (
    clean !== path ||
    !SERVED.some((p) => clean === p || (p.endsWith("/") && clean.startsWith(p)))
  ) {
    return undefined;
  }
  if (HIDDEN.some((p) => clean.startsWith(p))) {
    return undefined;
  }
  return join(ROOT, clean.endsWith("/") ? `${clean}index.html` : clean);
}

async function respond(request, response) {
  let path;
  try {
    path = decodeURIComponent(new URL(request.url, "http://localhost").pathname);
  } catch {
    return send(response, 400, "bad request");
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return send(response, 405, "method not allowed");
  }
  if (path === "/" || path === "/www") {
    response.writeHead(302, { ...HEADERS, location: "/www/" });
    return response.end();
  }
  const file = fileFor(path);
  const info = file && (await stat(file).catch(() => undefined));
  if (!info?.isFile()) {
    return send(response, 404, "not found");
  }
  const type = TYPES[extname(file)] ?? "application/octet-stream";
  response.writeHead(200, { ...HEADERS, "content-type": type, "content-length": info.size });
  if (request.method === "HEAD") {
    return response.end();
  }
  createReadStream(file).pipe(response);
}

function send(response, status, text) {
  response.writeHead(status, { ...HEADERS, "content-type": "text/plain; charset=utf-8" });
  response.end(`${text}\n`);
}

/** Starts the server on 127.0.0.1 and resolves to it once it listens. */
export function serve(port = 0) {
  const server = createServer((request, response) => {
    respond(request, response).catch(() => send(response, 500, "server error"));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });
}

function portArgument(argv) {
  const at = argv.indexOf("--port");
  const value = at >= 0 ? argv[at + 1] : (process.env.PORT ?? "8000");
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port: expected a port number, found ${value}`);
  }
  return port;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const server = await serve(portArgument(process.argv.slice(2)));
    const { port } = server.address();
    console.log(`smb-egress demo: http://127.0.0.1:${port}/www/  (Ctrl-C stops it)`);
  } catch (error) {
    console.error(`serve: ${error.message}`);
    process.exitCode = 1;
  }
}
