// spec/bench/clients/p1_get.js: P1 with jsforce, N sequential gets of one
// Lead (sobject retrieve) over jsforce's keep-alive agent.
//   node p1_get.js INSTANCE_URL TOKEN LEAD_ID N
// Prints "n=N loop_s=SECONDS" (the timed loop, after one warm-up get).
'use strict';
const jsforce = require('jsforce');

async function main() {
  const [url, token, id, nArg] = process.argv.slice(2);
  const n = Number(nArg);
  const conn = new jsforce.Connection({ instanceUrl: url, accessToken: token, version: '62.0' });
  let rec = await conn.sobject('Lead').retrieve(id); // warm-up
  if (rec.Id !== id) throw new Error('the Lead has another Id');
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) rec = await conn.sobject('Lead').retrieve(id);
  const t1 = process.hrtime.bigint();
  if (rec.Id !== id) throw new Error('the Lead has another Id');
  console.log(`n=${n} loop_s=${(Number(t1 - t0) / 1e9).toFixed(6)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
