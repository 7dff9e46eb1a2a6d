// Drives the opentok-go emulator with the official Node SDK (opentok@2.23.2),
// unchanged but for its apiUrl option: proof that any client that lets you
// set the base URL works against it. Exits non-zero on the first failure.
'use strict';
const OpenTok = require('opentok');
const assert = require('assert');
const { promisify } = require('util');

const url = process.env.OPENTOK_API_URL;
const ot = new OpenTok(process.env.OPENTOK_API_KEY, process.env.OPENTOK_API_SECRET, { apiUrl: url });

async function control(method, path, body) {
  const res = await fetch(url + path, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function main() {
  const session = await promisify(ot.createSession.bind(ot))({ mediaMode: 'routed' });
  assert.ok(session.sessionId.startsWith('2_'), 'session ID ' + session.sessionId);
  const token = ot.generateToken(session.sessionId, { role: 'moderator', data: 'node' });
  const t1 = ot.generateToken(session.sessionId, {}, true);

  for (const tok of [token, t1]) {
    const c = await control('POST', '/_emulator/connect', { sessionId: session.sessionId, token: tok });
    assert.strictEqual(c.status, 200, JSON.stringify(c.body));
  }
  const conn = await control('POST', '/_emulator/connect', { sessionId: session.sessionId, token });
  const pub = await control('POST', `/_emulator/connections/${conn.body.connectionId}/publish`, { name: 'cam' });
  assert.strictEqual(pub.status, 200);

  const streams = await promisify(ot.listStreams.bind(ot))(session.sessionId);
  assert.strictEqual(streams.length, 1);

  const archive = await promisify(ot.startArchive.bind(ot))(session.sessionId, { name: 'from node' });
  assert.strictEqual(archive.status, 'started');
  const stopped = await promisify(ot.stopArchive.bind(ot))(archive.id);
  assert.strictEqual(stopped.status, 'stopped');
  await control('POST', '/_emulator/clock/advance', { seconds: 10 });
  const got = await promisify(ot.getArchive.bind(ot))(archive.id);
  assert.strictEqual(got.status, 'available');

  await promisify(ot.signal.bind(ot))(session.sessionId, null, { type: 'chat', data: 'hi from node' });
  const sigs = await control('GET', `/_emulator/connections/${conn.body.connectionId}/signals`);
  assert.deepStrictEqual(sigs.body.items, [{ type: 'chat', data: 'hi from node', from: '' }]);

  await promisify(ot.forceDisconnect.bind(ot))(session.sessionId, conn.body.connectionId);
  const state = await control('GET', `/_emulator/sessions/${session.sessionId}`);
  assert.strictEqual(state.body.connections.length, 2);

  console.log('node SDK against the emulator: ok');
}

main().catch((err) => {
  console.error('node SDK against the emulator failed:', err && err.message ? err.message : err);
  process.exit(1);
});
