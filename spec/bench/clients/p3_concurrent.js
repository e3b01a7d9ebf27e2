// spec/bench/clients/p3_concurrent.js: P3 with jsforce, TOTAL gets from
// CONC concurrent async workers, jsforce's request limit set to CONC.
//   node p3_concurrent.js INSTANCE_URL TOKEN LEAD_ID TOTAL CONC
// Prints "n=TOTAL loop_s=SECONDS".
'use strict';
const jsforce = require('jsforce');

async function main() {
  const [url, token, id, totalArg, concArg] = process.argv.slice(2);
  const total = Number(totalArg), conc = Number(concArg);
  const conn = new jsforce.Connection({ instanceUrl: url, accessToken: token, version: '62.0',
    maxRequest: conc });
  const worker = async (count) => {
    let got = 0;
    for (let i = 0; i < count; i++) {
      const rec = await conn.sobject('Lead').retrieve(id);
      if (rec.Id === id) got++;
    }
    return got;
  };
  const t0 = process.hrtime.bigint();
  const counts = [];
  for (let i = 0; i < conc; i++) {
    counts.push(Math.floor(total / conc) + (i < total % conc ? 1 : 0));
  }
  const got = (await Promise.all(counts.map(worker))).reduce((a, b) => a + b, 0);
  const t1 = process.hrtime.bigint();
  if (got !== total) throw new Error(`${got} of ${total} gets answered the Lead`);
  console.log(`n=${total} loop_s=${(Number(t1 - t0) / 1e9).toFixed(6)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
