// Real OpenTok.js (@opentok/client, from npm) in headless Chromium against
// `opentok emulator`: tabs join a session through the emulator's client
// side (OT.setProxyUrl), signal, and are seen and moderated through the
// REST API (the opentok CLI, which uses this SDK). Prints a PASS or FAIL
// line per step and exits non-zero when a step failed.
//
// Environment: the emulator's lines (OPENTOK_API_URL, OPENTOK_API_KEY,
// OPENTOK_API_SECRET), OPENTOK_BIN (the CLI), OPENTOK_JS (opentok.js from
// the npm package), CHROMIUM (the browser), ARTIFACTS (where screenshots
// go). Run by .ci/browser-clients-check.sh.
'use strict';
const http = require('http');
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');
const puppeteer = require('puppeteer-core');

const env = process.env;
const fakeURL = env.OPENTOK_API_URL;
const apiKey = env.OPENTOK_API_KEY;
const artifacts = env.ARTIFACTS || '.';
let failures = 0;

function cli(...args) {
  return execFileSync(env.OPENTOK_BIN, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

async function step(name, fn) {
  try {
    await fn();
    console.log(`PASS ${name}`);
  } catch (err) {
    failures++;
    console.log(`FAIL ${name}: ${err && err.message ? err.message.split('\n')[0] : err}`);
  }
}

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

// The page's own server: another origin than the emulator, as an app's.
function servePage() {
  const page = fs.readFileSync(path.join(__dirname, 'page.html'));
  const lib = fs.readFileSync(env.OPENTOK_JS);
  const srv = http.createServer((req, res) => {
    if (req.url === '/opentok.js') {
      res.writeHead(200, { 'Content-Type': 'application/javascript' });
      return res.end(lib);
    }
    if (req.url.startsWith('/?') || req.url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html' });
      return res.end(page);
    }
    res.writeHead(404);
    res.end();
  });
  return new Promise(resolve => srv.listen(0, '127.0.0.1', () => resolve(srv)));
}

const seen = []; // every URL a page asked for, WebSockets included
const loopback = u => {
  try {
    const h = new URL(u).hostname;
    return h === '127.0.0.1' || h === 'localhost' || h === '[::1]';
  } catch {
    return u.startsWith('data:') || u.startsWith('blob:');
  }
};

async function openTab(browser, pageURL, name) {
  const page = await browser.newPage();
  page.on('request', r => seen.push(r.url()));
  const cdp = await page.createCDPSession();
  await cdp.send('Network.enable');
  cdp.on('Network.webSocketCreated', e => seen.push(e.url));
  page.on('console', m => { if (m.type() === 'error') console.log(`  [${name} console] ${m.text().slice(0, 200)}`); });
  await page.goto(`${pageURL}?${name}`);
  await page.evaluate(n => { document.getElementById('title').textContent = n; }, name);
  return page;
}

const connect = (page, sid, token) =>
  page.evaluate((u, k, s, t) => window.tab.connect(u, k, s, t), fakeURL, apiKey, sid, token);
const events = (page, name) => page.evaluate(n => window.tab.events.filter(e => e[0] === n).map(e => e[1]), name);
const waitFor = (page, fn, arg, timeout = 15000) => page.waitForFunction(fn, { timeout, polling: 100 }, arg);

async function main() {
  const pageServer = await servePage();
  const pageURL = `http://127.0.0.1:${pageServer.address().port}/`;
  const browser = await puppeteer.launch({
    executablePath: env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
  });
  try {
    const sid = cli('session', 'create');
    const other = cli('session', 'create');
    const a = await openTab(browser, pageURL, 'A');
    const b = await openTab(browser, pageURL, 'B');
    const ids = {};

    await step('both tabs connect through the emulator', async () => {
      const [ra, rb] = await Promise.all([
        connect(a, sid, cli('token', sid, '--data', 'name=A')),
        connect(b, sid, cli('token', sid, '--data', 'name=B')),
      ]);
      assert(ra.connectionId && rb.connectionId, `connect results: ${JSON.stringify([ra, rb])}`);
      ids.a = ra.connectionId;
      ids.b = rb.connectionId;
      await waitFor(a, id => window.tab.events.some(e => e[0] === 'connectionCreated' && e[1].id === id), ids.b);
      await waitFor(b, id => window.tab.events.some(e => e[0] === 'connectionCreated' && e[1].id === id), ids.a);
      const seenByA = (await events(a, 'connectionCreated')).find(e => e.id === ids.b);
      assert(seenByA.data === 'name=B', `B's connection data as A sees it: ${seenByA.data}`);
    });

    await step("each tab receives the other's signal", async () => {
      assert(!(await a.evaluate(() => window.tab.signal('chat', 'hello from A'))).code, 'A signals');
      assert(!(await b.evaluate(id => window.tab.signal('dm', 'hello A, from B', id), ids.a)).code, 'B signals A');
      await waitFor(b, id => window.tab.signals.some(s => s.type === 'chat' && s.data === 'hello from A' && s.from === id), ids.a);
      await waitFor(a, id => window.tab.signals.some(s => s.type === 'dm' && s.data === 'hello A, from B' && s.from === id), ids.b);
    });

    await step('a REST signal reaches both tabs', async () => {
      cli('signal', sid, '--type', 'rest', '--data', 'from the server');
      for (const p of [a, b]) {
        await waitFor(p, () => window.tab.signals.some(s => s.type === 'rest' && s.data === 'from the server' && s.from === null));
      }
    });

    await step('REST lists both connections', async () => {
      const list = JSON.parse(cli('connection', 'list', sid, '--json'));
      const listed = (list.items || list).map(c => c.connectionId || c.id);
      assert(listed.includes(ids.a) && listed.includes(ids.b), `listed: ${JSON.stringify(listed)}`);
    });

    await step('a token of another session is refused with 1004', async () => {
      const c = await openTab(browser, pageURL, 'C');
      const r = await connect(c, sid, cli('token', other));
      assert(r.error && r.error.code === 1004, `connect result: ${JSON.stringify(r)}`);
      await c.close();
    });

    await step('ForceDisconnect drops one tab', async () => {
      cli('disconnect', sid, ids.b);
      await waitFor(b, () => window.tab.events.some(e => e[0] === 'sessionDisconnected'));
      const [gone] = await events(b, 'sessionDisconnected');
      assert(gone.reason === 'forceDisconnected', `B's sessionDisconnected reason: ${gone.reason}`);
      await waitFor(a, id => window.tab.events.some(e => e[0] === 'connectionDestroyed' && e[1].id === id), ids.b);
      const [destroyed] = await events(a, 'connectionDestroyed');
      assert(destroyed.reason === 'forceDisconnected', `A sees B leave with reason ${destroyed.reason}`);
      const listed = JSON.parse(cli('connection', 'list', sid, '--json'));
      const left = (listed.items || listed).map(c => c.connectionId || c.id);
      assert(left.length === 1 && left[0] === ids.a, `still listed: ${JSON.stringify(left)}`);
    });

    await a.screenshot({ path: path.join(artifacts, 'browser-clients-A.png') });

    await step('no request leaves loopback', async () => {
      const out = seen.filter(u => !loopback(u));
      assert(seen.length > 0, 'no request was recorded');
      assert(out.length === 0, `requests off loopback: ${JSON.stringify([...new Set(out)].slice(0, 5))}`);
    });
  } finally {
    await browser.close();
    pageServer.close();
  }
  if (failures > 0) {
    console.log(`browser-clients-check: ${failures} step(s) failed`);
    process.exit(1);
  }
  console.log('browser-clients-check: every step passed');
}

main().catch(err => {
  console.log(`FAIL the check itself: ${err.stack || err}`);
  process.exit(1);
});
