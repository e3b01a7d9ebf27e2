// spec/bench/clients/p6_each.js: P6 with jsforce, iterating ROWS records
// of a query as a stream of records (autoFetch follows nextRecordsUrl).
//   node p6_each.js INSTANCE_URL TOKEN ROWS
// Prints "n=ROWS loop_s=SECONDS".
'use strict';
const jsforce = require('jsforce');

async function main() {
  const [url, token, rowsArg] = process.argv.slice(2);
  const rows = Number(rowsArg);
  const conn = new jsforce.Connection({ instanceUrl: url, accessToken: token, version: '62.0' });
  const soql = 'SELECT Id, FirstName, LastName, Company, Email, Status, CreatedDate FROM Lead '
    + `LIMIT ${rows}`;
  let n = 0, bytes = 0;
  const t0 = process.hrtime.bigint();
  await new Promise((resolve, reject) => {
    conn.query(soql)
      .on('record', (rec) => { n++; bytes += rec.Id.length; })
      .on('end', resolve)
      .on('error', reject)
      .run({ autoFetch: true, maxFetch: rows });
  });
  const t1 = process.hrtime.bigint();
  if (n !== rows || bytes !== 18 * rows) throw new Error(`${n} records iterated, ${rows} expected`);
  console.log(`n=${n} loop_s=${(Number(t1 - t0) / 1e9).toFixed(6)}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
