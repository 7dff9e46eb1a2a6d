// Drives the opentok-go emulator with the official Node SDK (opentok@2.23.2),
// unchanged but for its apiUrl option: proof that any client that lets you
// set the base URL works against it. Prints a per-method table and exits
// non-zero when any call gets an unexpected answer.
'use strict';
const OpenTok = require('opentok');
const assert = require('assert');
const { promisify } = require('util');
const { check, report, hookHTTP } = require('./table.js');

hookHTTP(); // opentok@2 speaks HTTP through node-fetch, on node's http module

const url = process.env.OPENTOK_API_URL;
const ot = new OpenTok(process.env.OPENTOK_API_KEY, process.env.OPENTOK_API_SECRET, { apiUrl: url });
const call = (name, ...args) => promisify(ot[name].bind(ot))(...args);

// control calls the emulator's control API (global fetch: not in the table).
async function control(method, path, body) {
  const res = await fetch(url + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function join(sessionId, token) {
  const c = await control('POST', '/_emulator/connect', { sessionId, token });
  assert.strictEqual(c.status, 200, `a simulated client joins: ${JSON.stringify(c.body)}`);
  return c.body;
}

async function main() {
  const s = {};
  await check('createSession (routed)', 200, async () => {
    s.session = await call('createSession', { mediaMode: 'routed' });
    assert.ok(s.session.sessionId.startsWith('2_'), 'session ID ' + s.session.sessionId);
  });
  const sid = s.session && s.session.sessionId;
  await check('generateToken (JWT) + client joins', null, async () => {
    s.token = ot.generateToken(sid, { role: 'moderator', data: 'node' });
    const c = await join(sid, s.token);
    assert.strictEqual(c.role, 'moderator');
    assert.strictEqual(c.data, 'node');
    s.conn = c.connectionId;
    return 'joined as moderator';
  });
  await check('generateToken (T1) + client joins', null, async () => {
    const c = await join(sid, ot.generateToken(sid, {}, true));
    assert.strictEqual(c.role, 'publisher');
    return 'joined as publisher';
  });
  const pub = await control('POST', `/_emulator/connections/${s.conn}/publish`, { name: 'cam' });
  assert.strictEqual(pub.status, 200, 'the simulated client publishes');

  await check('listStreams', 200, async () => {
    const streams = await call('listStreams', sid);
    assert.strictEqual(streams.length, 1);
    assert.strictEqual(streams[0].id, pub.body.streamId);
  });
  await check('startArchive', 200, async () => {
    s.archive = await call('startArchive', sid, { name: 'from node' });
    assert.strictEqual(s.archive.status, 'started');
  });
  await check('stopArchive', 200, async () => {
    const stopped = await call('stopArchive', s.archive.id);
    assert.strictEqual(stopped.status, 'stopped');
  });
  await control('POST', '/_emulator/clock/advance', { seconds: 10 });
  await check('getArchive (available)', 200, async () => {
    const got = await call('getArchive', s.archive.id);
    assert.strictEqual(got.status, 'available');
    assert.ok(got.size > 0 && got.url, 'size and url');
  });
  await check('signal (session)', 204, async () => {
    await call('signal', sid, null, { type: 'chat', data: 'hi from node' });
    const sigs = await control('GET', `/_emulator/connections/${s.conn}/signals`);
    assert.deepStrictEqual(sigs.body.items, [{ type: 'chat', data: 'hi from node', from: '' }]);
  });
  await check('forceDisconnect', 204, async () => {
    await call('forceDisconnect', sid, s.conn);
    const state = await control('GET', `/_emulator/sessions/${sid}`);
    assert.strictEqual(state.body.connections.length, 1, 'the other client stays');
  });
}

main()
  .catch((err) => {
    console.error('node SDK check stopped:', err && err.message ? err.message : err);
    process.exitCode = 1;
  })
  .finally(() => {
    const failed = report('opentok@2.23.2 (Node SDK) against the emulator:');
    process.exit(failed > 0 || process.exitCode ? 1 : 0);
  });
