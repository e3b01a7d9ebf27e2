#!/usr/bin/env python3
"""luaforce's local Salesforce emulator: an OAuth 2.0 server and the REST
API, byte-compatible with Salesforce's formats, plus a control API for
tests. Python 3 standard library only (and the openssl command for keys).
Usage: python3 spec/emulator/emulator.py [--port N] [--https] [--config F]"""

import argparse
import os
import shutil
import signal
import ssl
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import config       # noqa: E402  (after the sys.path fix above)
import keys         # noqa: E402
import schema       # noqa: E402
import server       # noqa: E402
import shapes       # noqa: E402
import store        # noqa: E402

DESCRIPTION = """\
Local Salesforce emulator for luaforce tests.

Start-up contract: the first line on stdout is
  ready http://127.0.0.1:PORT
or, with --https,
  ready https://127.0.0.1:PORT ca=PATH
where PATH is a CA certificate (PEM) made at start-up with openssl; trust
it to verify the server (its certificate names 127.0.0.1 and localhost).
Nothing else is written to stdout. The server runs until SIGTERM or SIGINT
and then exits 0, deleting its temporary files.
"""

EPILOG = config.CONFIG_HELP + """
JWT bearer flow with the default app: the test RSA key pair is generated at
start-up. Get the private key with
  GET /__emulator/jwt-key   -> {"private_key_pem", "private_key_path",
                                "certificate_path", "public_key_path"}
or read apps[0].jwt.private_key_path from GET /__emulator/config. Sign
with RS256; iss = client id, sub = username, aud = the server's base URL
(or https://login.salesforce.com), exp = a future time in seconds.

Control API (JSON, not logged, not subject to faults) - see README.md:
  GET  /__emulator/config | /health | /jwt-key | /org | /limits
  POST /__emulator/reset | /seed | /sessions/expire | /codes/expire
       /clock | /org | /limits | /app | /device/approve | /jwt/sign
  GET|POST|DELETE /__emulator/latency | /faults     GET|DELETE /log
  GET  /__emulator/records?sobject=Lead | /records/<id> | /sessions
"""


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="emulator.py", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, default=0,
                   help="TCP port on 127.0.0.1 (default 0: any free port)")
    p.add_argument("--https", action="store_true",
                   help="serve HTTPS with a throwaway CA made at start-up")
    p.add_argument("--config", metavar="FILE",
                   help="JSON configuration (format below)")
    p.add_argument("--verbose", action="store_true",
                   help="log each request to stderr")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        cfg = config.load(args.config)
        sch = schema.Schema(cfg["custom_fields"])
        shapes.check_config(sch, cfg)
    except (OSError, ValueError) as e:
        sys.stderr.write("emulator.py: bad configuration: %s\n" % e)
        return 2
    tmpdir = tempfile.mkdtemp(prefix="luaforce-emulator-")
    pairs = {}
    srv = None
    serving = False
    try:
        # Both RSA keys are generated in the background once the ready
        # line is out; the few calls that need them wait for them.
        pairs = {"jwt": keys.RsaKeyPair(tmpdir, "jwt"),
                 "idtoken": keys.RsaKeyPair(tmpdir, "idtoken")}
        ctx, ca = None, None
        if args.https:
            ca, crt, key = keys.make_tls(tmpdir)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(crt, key)
        srv = server.Server(args.port, ctx, args.verbose)
        srv.ca_path = ca
        state = store.State(cfg, sch, srv.base_url, tmpdir, pairs)
        for app in cfg["apps"]:
            cert = app.get("jwt_certificate")
            if cert and cert != "generated":
                state.jwt_public_keys[app["client_id"]] = \
                    keys.public_key_from_file(cert, tmpdir)
        srv.state = state
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *a: stop.set())
        signal.signal(signal.SIGINT, lambda *a: stop.set())
        server.serve_in_thread(srv)
        serving = True
        line = "ready " + srv.base_url
        if ca:
            line += " ca=" + ca
        sys.stdout.write(line + "\n")
        sys.stdout.flush()
        for pair in pairs.values():
            pair.start()
        while not stop.wait(1.0):
            pass
        return 0
    except (OSError, RuntimeError, ValueError) as e:
        sys.stderr.write("emulator.py: %s\n" % e)
        return 1
    finally:
        if serving:
            srv.shutdown()
        if srv is not None:
            srv.server_close()
        for pair in pairs.values():
            pair.stop()
        shutil.rmtree(tmpdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
