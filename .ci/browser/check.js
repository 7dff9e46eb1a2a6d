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
// Inline resources (data:, blob:) load nothing; every other URL must be
// on this machine.
const loopback = u => {
  if (u.startsWith('data:') || u.startsWith('blob:')) return true;
  try {
    const h = new URL(u).hostname;
    return h === '127.0.0.1' || h === 'localhost' || h === '[::1]';
  } catch {
    return false;
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
  await page.evaluate(n => { const t = document.getElementById('title'); if (t) t.textContent = n; }, name);
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
    // Routed, as archives need: the emulator serves every session relayed
    // to real clients (it has no media router), so the tabs send each other
    // video directly.
    const sid = cli('session', 'create', '--routed');
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

    await step("both tabs publish and each decodes the other's video", async () => {
      for (const p of [a, b]) await p.evaluate(() => window.tab.subscribeAll());
      const [pa, pb] = await Promise.all([a.evaluate(() => window.tab.publish('A camera')), b.evaluate(() => window.tab.publish('B camera'))]);
      assert(pa.streamId && pb.streamId, `publish results: ${JSON.stringify([pa, pb])}`);
      ids.streamA = pa.streamId;
      ids.streamB = pb.streamId;
      for (const [p, id] of [[a, ids.streamB], [b, ids.streamA]]) {
        await waitFor(p, sid => { const v = window.tab.video(sid); return v && v.width > 0 && v.frames > 0; }, id, 30000);
        const first = await p.evaluate(sid => window.tab.video(sid), id);
        await new Promise(r => setTimeout(r, 1500));
        const later = await p.evaluate(sid => window.tab.video(sid), id);
        assert(later.frames > first.frames, `frames do not grow: ${first.frames} then ${later.frames}`);
        console.log(`  ${id.slice(0, 8)}: ${later.width}x${later.height}, ${later.frames} frames decoded`);
      }
    });

    await step('REST lists both streams', async () => {
      const list = JSON.parse(cli('stream', 'list', sid, '--json'));
      const byId = Object.fromEntries(list.items.map(x => [x.id, x]));
      assert(byId[ids.streamA] && byId[ids.streamA].name === 'A camera', `A's stream: ${JSON.stringify(byId[ids.streamA])}`);
      assert(byId[ids.streamB] && byId[ids.streamB].videoType === 'camera', `B's stream: ${JSON.stringify(byId[ids.streamB])}`);
    });

    await step('an archive starts while they publish', async () => {
      const archive = JSON.parse(cli('archive', 'start', sid, '--name', 'browser check', '--json'));
      for (const p of [a, b]) await waitFor(p, id => window.tab.events.some(e => e[0] === 'archiveStarted' && e[1].id === id), archive.id);
      cli('archive', 'stop', archive.id);
      for (const p of [a, b]) await waitFor(p, id => window.tab.events.some(e => e[0] === 'archiveStopped' && e[1].id === id), archive.id);
    });

    await step('ForceMuteAll mutes them', async () => {
      cli('mute', sid, '--all');
      for (const p of [a, b]) await waitFor(p, () => window.tab.events.some(e => e[0] === 'publisherMuteForced'));
      // Each tab sees the other's stream lose its audio.
      for (const [p, id] of [[a, ids.streamB], [b, ids.streamA]]) {
        await waitFor(p, sid => window.tab.streams().some(s => s.id === sid && s.hasAudio === false), id);
      }
      cli('mute', sid, '--off');
    });

    await step('a subscriber token cannot publish', async () => {
      const c = await openTab(browser, pageURL, 'C');
      const r = await connect(c, sid, cli('token', sid, '--role', 'subscriber'));
      assert(r.connectionId, `connect: ${JSON.stringify(r)}`);
      const p = await c.evaluate(() => window.tab.publish('not allowed'));
      assert(p.code === 1500, `publish result: ${JSON.stringify(p)}`);
      await c.close();
    });

    await step('a token of another session is refused with 1004', async () => {
      const c = await openTab(browser, pageURL, 'C');
      const r = await connect(c, sid, cli('token', other));
      assert(r.error && r.error.code === 1004, `connect result: ${JSON.stringify(r)}`);
      await c.close();
    });

    await a.screenshot({ path: path.join(artifacts, 'browser-clients-A.png') });
    await b.screenshot({ path: path.join(artifacts, 'browser-clients-B.png') });

    await step('ForceDisconnect drops one tab, and the other sees its connection and stream end', async () => {
      cli('disconnect', sid, ids.b);
      await waitFor(b, () => window.tab.events.some(e => e[0] === 'sessionDisconnected'));
      const [gone] = await events(b, 'sessionDisconnected');
      assert(gone.reason === 'forceDisconnected', `B's sessionDisconnected reason: ${gone.reason}`);
      await waitFor(a, id => window.tab.events.some(e => e[0] === 'connectionDestroyed' && e[1].id === id), ids.b);
      const destroyed = (await events(a, 'connectionDestroyed')).find(e => e.id === ids.b);
      assert(destroyed.reason === 'forceDisconnected', `A sees B leave with reason ${destroyed.reason}`);
      await waitFor(a, id => window.tab.events.some(e => e[0] === 'streamDestroyed' && e[1].id === id), ids.streamB);
      const ended = (await events(a, 'streamDestroyed')).find(e => e.id === ids.streamB);
      assert(ended.reason === 'forceDisconnected', `A sees B's stream end with reason ${ended.reason}`);
      const listed = JSON.parse(cli('connection', 'list', sid, '--json'));
      const left = (listed.items || listed).map(c => c.connectionId || c.id);
      assert(left.length === 1 && left[0] === ids.a, `still listed: ${JSON.stringify(left)}`);
    });

    if (env.HELLOWORLD_URL) {
      await step('helloworld, offline on its built-in fake: two tabs see each other', async () => {
        const tabs = [await openTab(browser, env.HELLOWORLD_URL, 'hello1'), await openTab(browser, env.HELLOWORLD_URL, 'hello2')];
        for (const p of tabs) {
          await p.setViewport({ width: 1200, height: 900 });
          // The page's own script connects and publishes on load.
          await waitFor(p, () => {
            const vs = [...document.querySelectorAll('#tiles .subscriber video')];
            const own = document.querySelector('#publisher video');
            return own && own.videoWidth > 0 && vs.length === 1 && vs[0].videoWidth > 0 && vs[0].getVideoPlaybackQuality().totalVideoFrames > 0;
          }, undefined, 30000);
        }
        for (const [i, p] of tabs.entries()) {
          const status = await p.evaluate(() => document.getElementById('video-status').textContent);
          assert(status === 'Video: publishing through the built-in fake platform', `tab ${i + 1} status: ${status}`);
          await p.screenshot({ path: path.join(artifacts, `helloworld-tab${i + 1}.png`) });
        }
      });
    }

    if (env.ARCHIVING_URL) {
      await step('archiving, offline: a host and a participant tab see each other, and an archive started on the page reaches both', async () => {
        const host = await openTab(browser, env.ARCHIVING_URL, 'host');
        const part = await openTab(browser, env.ARCHIVING_URL + 'participant', 'participant');
        const seesVideo = () => {
          const own = document.querySelector('#publisher video');
          const remote = [...document.querySelectorAll('#tiles .subscriber video')].filter(v => v.videoWidth > 0);
          const simulated = [...document.querySelectorAll('#tiles .subscriber .label')].some(l => l.textContent.includes('simulated'));
          return own && own.videoWidth > 0 && remote.length === 1 && simulated;
        };
        for (const p of [host, part]) {
          await p.setViewport({ width: 1200, height: 1100 });
          await waitFor(p, seesVideo, undefined, 30000);
        }
        await host.bringToFront();
        await Promise.all([host.waitForNavigation({ waitUntil: 'domcontentloaded' }), host.click('form.panel button[type=submit]')]);
        const notice = await host.evaluate(() => (document.getElementById('notice') || {}).textContent || '');
        const m = /Archive (\S+) started/.exec(notice);
        assert(m, `host notice: ${notice}`);
        await waitFor(part, id => document.getElementById('video-status').textContent === `Video: recording (archive ${id})`, m[1]);
        // The reloaded host page joins again; each tab sees the other's new stream.
        for (const p of [host, part]) await waitFor(p, seesVideo, undefined, 30000);
        await host.screenshot({ path: path.join(artifacts, 'archiving-host.png') });
        await part.screenshot({ path: path.join(artifacts, 'archiving-participant.png') });
      });
    }

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
