// How many publishing tabs one machine sustains in one relayed session on
// the emulator: N headless Chromium tabs each publish the fake camera and
// subscribe to every other tab (a full mesh, as in a relayed session), and
// for N = 2, 3, ... the script measures each subscriber's decoded frames
// per second over a window (WebRTC receive statistics), and the emulator's
// CPU time and resident memory. It stops after the first N at which frames
// drop: the slowest subscriber decodes under 80 % of what it decoded with
// two tabs (Chromium's fake camera sends 20 frames a second).
//
//   bash bench/browsers/run.sh          # installs what it needs, then runs this
//
// Environment: OPENTOK_API_URL, OPENTOK_API_KEY (the emulator's),
// EMULATOR_PID, OPENTOK_BIN, OPENTOK_JS, MAX_TABS (default 8),
// WINDOW_SECONDS (default 10).
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');
const { execFileSync } = require('child_process');
const puppeteer = require('puppeteer-core');

const env = process.env;
const maxTabs = +(env.MAX_TABS || 8);
const windowSec = +(env.WINDOW_SECONDS || 10);
const cli = (...a) => execFileSync(env.OPENTOK_BIN, a, { encoding: 'utf8' }).trim();
const sleep = ms => new Promise(r => setTimeout(r, ms));

// The emulator's CPU seconds (user + system) and RSS (MiB), from /proc.
function emulatorUsage() {
  const stat = fs.readFileSync(`/proc/${env.EMULATOR_PID}/stat`, 'utf8').split(') ')[1].split(' ');
  const ticks = +stat[11] + +stat[12];
  const rssPages = +stat[21];
  return { cpu: ticks / 100, rss: (rssPages * 4096) / (1 << 20) };
}

function machineCPU() {
  const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  const idle = f[3] + f[4];
  return { busy: f.reduce((a, b) => a + b, 0) - idle, total: f.reduce((a, b) => a + b, 0) };
}

async function main() {
  const page = fs.readFileSync(path.join(__dirname, '..', '..', '.ci', 'browser', 'page.html'));
  const lib = fs.readFileSync(env.OPENTOK_JS);
  const srv = http.createServer((q, r) => {
    r.writeHead(200, { 'Content-Type': q.url === '/opentok.js' ? 'application/javascript' : 'text/html' });
    r.end(q.url === '/opentok.js' ? lib : page);
  });
  await new Promise(r => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${srv.address().port}/`;
  const browser = await puppeteer.launch({
    executablePath: env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--use-fake-device-for-media-stream',
      '--use-fake-ui-for-media-stream', '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required',
      '--disable-background-timer-throttling', '--disable-renderer-backgrounding', '--disable-backgrounding-occluded-windows'],
  });
  console.log('| tabs | subscribers | decoded fps: min / median | frames dropped by decoders | emulator CPU | emulator RSS | machine CPU |');
  console.log('|---|---|---|---|---|---|---|');
  let reference = 0;
  try {
    for (let n = 2; n <= maxTabs; n++) {
      const sid = cli('session', 'create', '--routed');
      const tabs = [];
      for (let i = 0; i < n; i++) {
        const p = await browser.newPage();
        await p.goto(url);
        const r = await p.evaluate((u, k, s, t) => window.tab.connect(u, k, s, t), env.OPENTOK_API_URL, env.OPENTOK_API_KEY, sid, cli('token', sid));
        if (!r.connectionId) throw new Error(`tab ${i} did not connect: ${JSON.stringify(r)}`);
        await p.evaluate(() => window.tab.subscribeAll());
        const pub = await p.evaluate(i => window.tab.publish('tab ' + i), i);
        if (!pub.streamId) throw new Error(`tab ${i} did not publish: ${JSON.stringify(pub)}`);
        tabs.push(p);
      }
      // Every tab subscribes to the n-1 others; wait until all decode.
      const deadline = Date.now() + 60000;
      for (;;) {
        const counts = await Promise.all(tabs.map(p => p.evaluate(() =>
          Object.keys(window.tab.subscribers).filter(id => { const v = window.tab.video(id); return v && v.frames > 0; }).length)));
        if (counts.every(c => c === n - 1)) break;
        if (Date.now() > deadline) throw new Error(`subscribers decoding after 60 s: ${counts}`);
        await sleep(500);
      }
      await sleep(3000); // settle
      // The decoder's counts (WebRTC statistics), not the page's rendering:
      // headless Chromium renders on its own cadence.
      const sample = () => Promise.all(tabs.map(p => p.evaluate(async () => {
        const out = [];
        for (const id of Object.keys(window.tab.subscribers)) {
          const r = await window.tab.rtc(id);
          out.push({ id, frames: r ? r.decoded : 0, dropped: r ? r.dropped : 0 });
        }
        return out;
      })));
      const u0 = emulatorUsage(), m0 = machineCPU(), s0 = await sample();
      await sleep(windowSec * 1000);
      const u1 = emulatorUsage(), m1 = machineCPU(), s1 = await sample();
      const fps = [];
      let dropped = 0;
      s1.forEach((subs, i) => subs.forEach((x, j) => {
        const before = s0[i].find(y => y.id === x.id) || s0[i][j];
        fps.push((x.frames - before.frames) / windowSec);
        dropped += x.dropped - before.dropped;
      }));
      fps.sort((a, b) => a - b);
      const min = fps[0], median = fps[Math.floor(fps.length / 2)];
      if (n === 2) reference = median;
      const cpu = (u1.cpu - u0.cpu) / windowSec;
      const machine = (m1.busy - m0.busy) / (m1.total - m0.total);
      console.log(`| ${n} | ${fps.length} | ${min.toFixed(1)} / ${median.toFixed(1)} | ${dropped} | ${(cpu * 100).toFixed(1)} % of a core | ${u1.rss.toFixed(0)} MiB | ${(machine * 100).toFixed(0)} % |`);
      for (const p of tabs) await p.close();
      if (min < 0.8 * reference) {
        console.log(`frames drop at ${n} tabs: the slowest subscriber decodes ${min.toFixed(1)} fps, under 80 % of ${reference.toFixed(1)} (two tabs)`);
        break;
      }
    }
  } finally {
    await browser.close();
    srv.close();
  }
}

main().catch(e => { console.error(e); process.exit(1); });
