// The Node half of bench/compare.sh: the official Node SDK (opentok@2.23.2)
// doing the same token and REST operations as bench/compare against the
// same loopback server. Prints JSON: wall and CPU nanoseconds per operation.
'use strict';
const OpenTok = require('opentok');
const { promisify } = require('util');

const url = process.argv[2];
const n = Number(process.argv[3] || 2000);
const tokens = Number(process.argv[4] || 20000);
const sessionId = '1_MX4xMjM0NTZ-flNhdCBNYXIgMTUgMTQ6NDI6MjMgUERUIDIwMTR-MC40OTAxMzAyNX4';
const ot = new OpenTok('123456', '1234567890abcdef1234567890abcdef1234567890', { apiUrl: url });
const createSession = promisify(ot.createSession.bind(ot));
const startArchive = promisify(ot.startArchive.bind(ot));

async function measure(count, op) {
  for (let i = 0; i < Math.floor(count / 10) + 1; i++) await op();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await op();
  const wall = Number(process.hrtime.bigint() - t0);
  const c = process.cpuUsage(c0);
  return { nsPerOp: wall / count, cpuNsPerOp: ((c.user + c.system) * 1000) / count, ops: count };
}

async function main() {
  const out = {};
  out.tokenJWT = await measure(tokens, async () => ot.generateToken(sessionId, { role: 'moderator' }));
  out.tokenT1 = await measure(tokens, async () => ot.generateToken(sessionId, { role: 'moderator' }, true));
  out.createSession = await measure(n, () => createSession({ mediaMode: 'routed' }));
  out.startArchive = await measure(n, () => startArchive(sessionId, { name: 'bench', resolution: '1280x720' }));
  process.stdout.write(JSON.stringify(out) + '\n');
}

main().catch((err) => { console.error('node bench failed:', err.message || err); process.exit(1); });
