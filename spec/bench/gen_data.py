#!/usr/bin/env python3
"""spec/bench/gen_data.py: canned Salesforce answers for the benchmark
server (standard library only).

  gen_data.py data DIR SIZE...     query pages of 200 records for result
                                   sets of each SIZE, plus lead.json, in DIR
                                   (skipped when DIR/.done-SIZE exists)
  gen_data.py const                prints LEAD_ID=... and ACCESS_TOKEN=... (sh)
  gen_data.py conf TEMPLATE OUT KEY=VALUE...
                                   renders the nginx config: @KEY@ -> VALUE;
                                   @LEAD@, @TOKEN_BODY@, @VERSIONS@ and
                                   @INVALID_SESSION@ are the inline bodies

Bodies are shaped like Salesforce's (reference/salesforce-api.md): a Lead
of about 1 KB as GET /sobjects/Lead/<id> returns it, query pages
{totalSize, done, nextRecordsUrl, records} chained by a query locator.
"""
import json
import os
import re
import shlex
import sys

API = "/services/data/v62.0"
PAGE = 200
LEAD_ID = "00Q5g00000BENCH001"  # 18 characters, like a Lead id
ACCESS_TOKEN = "00D5g000004BENCH!AR.bench.access.token.luaforce"


def locator(size):
    # a query locator: "01g" + 15 characters, as Salesforce's are
    return "01gBN%013d" % size


def lead():
    """The record GET /sobjects/Lead/<id> answers (every field, ~1 KB)."""
    rec = {
        "attributes": {"type": "Lead", "url": API + "/sobjects/Lead/" + LEAD_ID},
        "Id": LEAD_ID, "IsDeleted": False, "MasterRecordId": None,
        "LastName": "Lovelace", "FirstName": "Ada", "Salutation": "Ms.",
        "Name": "Ada Lovelace", "Title": "Analyst", "Company": "Analytical Engines Ltd",
        "Street": "12 St James's Square", "City": "London", "State": None,
        "PostalCode": "SW1Y 4JH", "Country": "United Kingdom",
        "GeocodeAccuracy": None,
        "Phone": "+44 20 7946 0000", "MobilePhone": None, "Fax": None,
        "Email": "ada@example.com", "Website": "https://example.com",
        "PhotoUrl": None, "Description": None, "LeadSource": "Web",
        "Status": "Open - Not Contacted", "Industry": "Technology",
        "Rating": "Hot", "AnnualRevenue": 1500000.0,
        "NumberOfEmployees": 42, "OwnerId": "0055g00000BENCHAAA",
        "IsConverted": False, "ConvertedDate": None,
        "ConvertedAccountId": None,
        "CreatedDate": "2024-05-01T12:34:56.000+0000",
        "CreatedById": "0055g00000BENCHAAA",
        "LastModifiedDate": "2024-05-02T08:00:00.000+0000",
        "LastModifiedById": "0055g00000BENCHAAA",
        "SystemModstamp": "2024-05-02T08:00:00.000+0000",
        "LastActivityDate": None,
    }
    return json.dumps(rec, separators=(",", ":"))


def record(i):
    rid = "00Q5g%013d" % i
    return {
        "attributes": {"type": "Lead", "url": API + "/sobjects/Lead/" + rid},
        "Id": rid, "FirstName": "First%d" % i, "LastName": "Last%d" % i,
        "Company": "Company %d" % (i % 997), "Email": "lead%d@example.com" % i,
        "Status": "Open - Not Contacted",
        "CreatedDate": "2024-05-01T12:34:56.000+0000",
    }


def pages(out, size):
    """Writes q<size>-<offset>.json for every page of a result of `size`."""
    done_mark = os.path.join(out, ".done-%d" % size)
    if os.path.exists(done_mark):
        return
    os.makedirs(out, exist_ok=True)
    for offset in range(0, size, PAGE):
        n = min(PAGE, size - offset)
        last = offset + n >= size
        page = {"totalSize": size, "done": last}
        if not last:
            page["nextRecordsUrl"] = "%s/query/%s-%d" % (API, locator(size), offset + n)
        page["records"] = [record(offset + k + 1) for k in range(n)]
        path = os.path.join(out, "q%d-%d.json" % (size, offset))
        tmp = "%s.%d.tmp" % (path, os.getpid())
        with open(tmp, "w") as f:
            json.dump(page, f, separators=(",", ":"))
        os.replace(tmp, path)
    open(done_mark, "w").close()


def nginx_string(body):
    # inline bodies go in single quotes; '$' would start a variable
    assert "$" not in body, "inline bodies must not contain '$'"
    return "'" + body.replace("\\", "\\\\").replace("'", "\\'") + "'"


def conf(template, out, pairs):
    values = dict(p.split("=", 1) for p in pairs)
    base = values["BASE"]
    values["LEAD"] = nginx_string(lead())
    values["TOKEN_BODY"] = nginx_string(json.dumps({
        "access_token": ACCESS_TOKEN, "instance_url": base,
        "id": base + "/id/00D5g000004BENCHAA/0055g00000BENCHAAA",
        "token_type": "Bearer", "issued_at": "1714566896000",
        "signature": "YmVuY2ggc2lnbmF0dXJlIG5vdCB2ZXJpZmllZA=="},
        separators=(",", ":")))
    values["VERSIONS"] = nginx_string(json.dumps([
        {"label": "Summer '24", "url": "/services/data/v61.0", "version": "61.0"},
        {"label": "Winter '25", "url": "/services/data/v62.0", "version": "62.0"}],
        separators=(",", ":")))
    values["INVALID_SESSION"] = nginx_string(json.dumps([
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}],
        separators=(",", ":")))
    values["ACCESS_TOKEN"] = ACCESS_TOKEN
    with open(template) as f:
        text = f.read()
    for k, v in values.items():
        text = text.replace("@" + k + "@", v)
    left = re.findall(r"@[A-Z_]+@", text)
    assert not left, "%s: no value for %s" % (template, ", ".join(left))
    with open(out, "w") as f:
        f.write(text)


def main(argv):
    if len(argv) >= 3 and argv[1] == "data":
        out = argv[2]
        os.makedirs(out, exist_ok=True)
        tmp = os.path.join(out, "lead.json.%d.tmp" % os.getpid())
        with open(tmp, "w") as f:
            f.write(lead())
        os.replace(tmp, os.path.join(out, "lead.json"))
        for size in argv[3:]:
            pages(out, int(size))
        return 0
    if len(argv) == 2 and argv[1] == "const":
        print("LEAD_ID=%s\nACCESS_TOKEN=%s" % (shlex.quote(LEAD_ID), shlex.quote(ACCESS_TOKEN)))
        return 0
    if len(argv) >= 4 and argv[1] == "conf":
        conf(argv[2], argv[3], argv[4:])
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
