// The per-method table of the SDK-against-emulator checks (.ci/node and
// .ci/vonage). Each row runs one SDK call, records the HTTP exchanges the SDK
// made for it (through a hook on the SDK's HTTP client, not the emulator's
// request log), checks the status it expects and the result, and prints:
//
//   method | request | status | result
//
// report() prints the table and returns the number of failed rows.
'use strict';

const rows = [];
let exchanges = [];

// record is called by the HTTP hook for every request the SDK makes.
function record(method, url, status) {
  exchanges.push({ method: method.toUpperCase(), url: String(url), status });
}

// shorten replaces the IDs in a request path with placeholders.
function shorten(url) {
  let u;
  try {
    u = new URL(url);
  } catch (_) {
    return url;
  }
  let p = u.pathname
    .replace(/^\/v2\/project\/[^/]+/, '/v2/project/{pid}')
    .replace(/\/session\/[12]_[^/]+/, '/session/{sid}')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{id}');
  if (u.search) {
    p += u.search.replace(/sessionId=[^&]+/, 'sessionId={sid}');
  }
  return p;
}

// check runs fn, which makes SDK calls and throws on a wrong result, and
// expects the SDK's HTTP exchanges to have answered the statuses in want
// (one number, or an array for several requests; null when the SDK makes
// no request, as for token generation).
async function check(name, want, fn) {
  exchanges = [];
  let result = 'ok';
  let detail = '';
  try {
    detail = (await fn()) || '';
    const got = exchanges.map((e) => e.status);
    const expected = want === null ? [] : [].concat(want);
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      throw new Error(`HTTP status ${got.join(',') || 'none'}, want ${expected.join(',') || 'none'}`);
    }
  } catch (err) {
    result = 'FAIL';
    detail = String(err && err.message ? err.message : err);
    if (err && err.response && typeof err.response.text === 'function') {
      // @vonage/server-client's VetchError: show the answer's body.
      detail += `: ${await err.response.text().catch(() => '')}`;
    }
  }
  rows.push({
    name,
    request: exchanges.map((e) => `${e.method} ${shorten(e.url)}`).join('; ') || '-',
    status: exchanges.map((e) => e.status).join(',') || '-',
    result,
    detail,
  });
  return result === 'ok';
}

// skip records a method that is not run, and why.
function skip(name, why) {
  rows.push({ name, request: '-', status: '-', result: 'skipped', detail: why });
}

function report(title) {
  const cols = ['name', 'request', 'status', 'result'];
  const head = { name: 'method', request: 'request', status: 'status', result: 'result' };
  const width = {};
  for (const c of cols) {
    width[c] = Math.max(...[head, ...rows].map((r) => String(r[c]).length));
  }
  const line = (r) => (cols.map((c) => String(r[c]).padEnd(width[c])).join(' | ') + (r.detail ? ` | ${r.detail}` : '')).trimEnd();
  console.log(title);
  console.log(line(head));
  console.log(cols.map((c) => '-'.repeat(width[c])).join('-|-'));
  for (const r of rows) {
    console.log(line(r));
  }
  const failed = rows.filter((r) => r.result === 'FAIL').length;
  const passed = rows.filter((r) => r.result === 'ok').length;
  const skipped = rows.filter((r) => r.result === 'skipped').length;
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed;
}

// hookHTTP records the exchanges of clients built on node's http module
// (node-fetch, as opentok@2 uses).
function hookHTTP() {
  const http = require('http');
  const orig = http.request;
  http.request = function request(...args) {
    const req = orig.apply(this, args);
    req.on('response', (res) => {
      record(req.method, `http://${req.getHeader('host')}${req.path}`, res.statusCode);
    });
    return req;
  };
}

// hookFetch records the exchanges of clients built on the global fetch
// (as @vonage/server-client uses); it returns the unhooked fetch, for calls
// that are not the SDK's.
function hookFetch() {
  const orig = globalThis.fetch;
  globalThis.fetch = async (url, init = {}) => {
    const res = await orig(url, init);
    record(init.method || 'GET', url, res.status);
    return res;
  };
  return orig;
}

module.exports = { check, skip, report, hookHTTP, hookFetch };
