// spec/bench/clients/p5_create_many.js: P5 with jsforce, creating N Leads
// in one call of sobject().create (allowRecursive: sObject Collections,
// 200 a call) against the emulator (OAuth password flow).
//   node p5_create_many.js EMULATOR_URL N
// Prints "n=N loop_s=SECONDS created=C".
'use strict';
const jsforce = require('jsforce');

async function main() {
  const [url, nArg] = process.argv.slice(2);
  const n = Number(nArg);
  const conn = new jsforce.Connection({ version: '62.0', oauth2: { loginUrl: url,
    clientId: 'luaforce-test-client', clientSecret: 'luaforce-test-secret' } });
  await conn.login('dev@example.com', 'password1TOKEN');
  const records = [];
  for (let i = 1; i <= n; i++) {
    records.push({ FirstName: 'Bench', LastName: `Lead ${i}`, Company: `Bench Co ${i % 97}`,
      Email: `bench${i}@example.com` });
  }
  const t0 = process.hrtime.bigint();
  const results = await conn.sobject('Lead').create(records, { allowRecursive: true });
  const t1 = process.hrtime.bigint();
  const created = results.filter((r) => r.success).length;
  if (created !== n) throw new Error(`${created} of ${n} Leads created`);
  console.log(`n=${n} loop_s=${(Number(t1 - t0) / 1e9).toFixed(6)} created=${created}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
