#!/usr/bin/env python3
"""spec/bench/emuctl.py: the emulator's control API for P5 (standard
library only, not the product's transport).

  emuctl.py BASE_URL reset    empties records and the request log
  emuctl.py BASE_URL calls    prints "api_calls=N collections_calls=C
                              oauth_calls=O stored=S": requests logged on
                              /services/data/ (API calls), POSTs of
                              sObject Collections among them, token calls,
                              and the Lead records the emulator holds
"""
import json
import sys
import urllib.request


def call(base, method, path):
    req = urllib.request.Request(base + "/__emulator" + path, method=method,
                                 data=b"{}" if method == "POST" else None,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def main(argv):
    if len(argv) != 3 or argv[2] not in ("reset", "calls"):
        sys.stderr.write(__doc__)
        return 2
    base = argv[1].rstrip("/")
    if argv[2] == "reset":
        call(base, "POST", "/reset")
        return 0
    log = call(base, "GET", "/log")["requests"]
    api = [e for e in log if e["path"].startswith("/services/data/")]
    coll = [e for e in api if e["method"] == "POST"
            and e["path"].rstrip("/").endswith("/composite/sobjects")]
    oauth = [e for e in log if e["path"].startswith("/services/oauth2/")]
    stored = call(base, "GET", "/records?sobject=Lead")["totalSize"]
    print("api_calls=%d collections_calls=%d oauth_calls=%d stored=%d"
          % (len(api), len(coll), len(oauth), stored))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
