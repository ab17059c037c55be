'use strict';
// Small helpers with no dependency on the editor: deadline-bounded polling, free ports,
// plain HTTP requests to the app, and the folders a run keeps.
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');
const path = require('node:path');

/** Calls `probe` until it returns a truthy value or the deadline passes (then throws). */
async function until(what, probe, { timeout = 20_000, interval = 150 } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = undefined;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= end) {
      const why = last ? `: last error: ${last.message ?? last}` : '';
      throw new Error(`timed out after ${timeout} ms waiting for ${what}${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, interval));
  }
}

/** A port nobody listens on right now (the kernel's pick, released at once). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** GET http://127.0.0.1:port/path -> { status, body }; rejects on refusal or timeout. */
function get(port, urlPath = '/', { timeout = 10_000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: urlPath, timeout, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET :${port}${urlPath} timed out after ${timeout} ms`)));
    req.on('error', reject);
  });
}

/** true when a TCP connect to the port is refused (nothing listens). */
function portClosed(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.setTimeout(2000);
    sock.on('connect', () => {
      sock.destroy();
      resolve(false);
    });
    sock.on('timeout', () => {
      sock.destroy();
      resolve(false);
    });
    sock.on('error', (err) => resolve(err.code === 'ECONNREFUSED'));
  });
}

/** Copies a folder tree (files and folders only), skipping names in `skip`. */
function copyTree(from, to, skip = new Set(['__pycache__', '.venv', 'node_modules'])) {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (skip.has(entry.name)) continue;
    const a = path.join(from, entry.name);
    const b = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(a, b, skip);
    else if (entry.isFile()) fs.copyFileSync(a, b);
  }
}

function log(...args) {
  const t = new Date().toISOString().slice(11, 23);
  process.stderr.write(`[e2e ${t}] ${args.join(' ')}\n`);
}

module.exports = { until, freePort, get, portClosed, copyTree, log };
