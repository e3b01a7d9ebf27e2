"""The control API under /__emulator/ that tests use to arrange and
inspect the emulator: seed and read records, reset, expire sessions, move
the clock, change org edition / limits / app settings, approve device
codes, set latency, inject faults and read the request log. JSON in and
out; see README.md for every endpoint."""

import base64
import copy
import gc
import json
import re
import time

import ids
import keys
import oauth
import records
import shapes
import web
from store import ApiError, fmt_datetime

FAULT_KINDS = ("status", "drop", "truncate", "slow")
ORG_KEYS = ("name", "edition", "trial", "trial_expiration_date", "is_sandbox",
            "instance_name", "allow_password_flow", "api_enabled")
APP_KEYS = ("client_secret", "callback_urls", "scopes",
            "access_token_lifetime", "refresh_token_lifetime",
            "refresh_token_rotation", "code_lifetime", "require_secret",
            "require_pkce", "auto_approve", "jwt_audiences",
            "client_credentials_user", "device_interval",
            "device_code_lifetime", "name", "api_limit", "provider",
            "client_auth")


class ControlError(Exception):
    def __init__(self, message, status=400):
        super().__init__(message)
        self.status = status


def handle(state, req, ca_path):
    path = req.path[len("/__emulator"):].rstrip("/") or "/"
    route = ROUTES.get((req.method, path))
    if route is None and path.startswith("/records/") and req.method == "GET":
        route = _get_record
    if route is None:
        return web.json_response(404, {"error": "no such control endpoint: "
                                       "%s %s" % (req.method, req.path)})
    try:
        data = {}
        if req.method in ("POST", "PUT", "PATCH") and req.body.strip():
            data = json.loads(req.text())
            if not isinstance(data, dict):
                raise ControlError("body must be a JSON object")
        with state.lock:
            out = route(state, req, data, ca_path)
    except ControlError as e:
        return web.json_response(e.status, {"error": str(e)})
    except (ValueError, KeyError, TypeError) as e:
        return web.json_response(400, {"error": "%s: %s"
                                       % (type(e).__name__, e)})
    except ApiError as e:
        return web.json_response(400, {"error": e.message,
                                       "errorCode": e.code,
                                       "fields": e.fields})
    if isinstance(out, web.Response):
        return out
    return web.json_response(200, out)


def _org(state, data):
    key = data.get("org") if isinstance(data, dict) else None
    org = state.org_for(key)
    if org is None:
        raise ControlError("unknown org %r" % key, 404)
    return org


# ---- configuration and keys -------------------------------------------------
def _config(state, req, data, ca_path):
    pair = state.keys["jwt"].wait()
    orgs = []
    for org in state.orgs.values():
        users = []
        for uid, u in zip(org.user_ids, org.cfg["users"]):
            users.append(dict(u, id=uid))
        o = {k: v for k, v in org.cfg.items() if k != "users"}
        o.update(id=org.id, users=users, daily_api_limit=org.api_max,
                 api_usage=org.api_usage)
        orgs.append(o)
    apps = []
    for app in state.apps.values():
        a = dict(app)
        a["jwt"] = None
        if app.get("jwt_certificate") == "generated":
            a["jwt"] = {"private_key_path": pair.private_key_path,
                        "public_key_path": pair.public_key_path,
                        "certificate_path": pair.certificate_path}
        elif app.get("jwt_certificate"):
            a["jwt"] = {"certificate_path": app["jwt_certificate"]}
        apps.append(a)
    return {"base_url": state.base_url, "instance_url": state.base_url,
            "login_url": state.base_url, "ca": ca_path,
            "token_url": state.base_url + "/services/oauth2/token",
            "authorize_url": state.base_url + "/services/oauth2/authorize",
            "api_versions": state.cfg["api_versions"],
            "orgs": orgs, "apps": apps}


def _jwt_key(state, req, data, ca_path):
    pair = state.keys["jwt"].wait()
    return {"private_key_pem": pair.private_pem(),
            "private_key_path": pair.private_key_path,
            "public_key_path": pair.public_key_path,
            "certificate_path": pair.certificate_path}


def _jwt_sign(state, req, data, ca_path):
    """Sign claims with the generated test key (a convenience for tests
    that do not do RSA themselves)."""
    claims = data.get("claims")
    if not isinstance(claims, dict):
        raise ControlError("claims must be an object")
    header = data.get("header") or {"alg": "RS256"}
    signing_input = (keys.b64url(json.dumps(header).encode()) + "." +
                     keys.b64url(json.dumps(claims).encode()))
    sig = state.keys["jwt"].sign(signing_input.encode())
    return {"assertion": signing_input + "." + keys.b64url(sig)}


def _health(state, req, data, ca_path):
    return {"ok": True, "base_url": state.base_url}


def _reset(state, req, data, ca_path):
    state.reset()
    return {"ok": True}


# ---- records ----------------------------------------------------------------
def _seed(state, req, data, ca_path):
    org = _org(state, data)
    owner = org.user_ids[0]
    created = []
    if "count" in data:
        obj = _sobject(state, data.get("sobject"))
        created = _generate(state, org, obj, int(data["count"]),
                            data.get("template") or {}, owner,
                            int(data.get("start", 1)))
    else:
        recs = data.get("records")
        if not isinstance(recs, list):
            raise ControlError("give records: [...] or sobject + count + "
                               "template")
        for r in recs:
            t = (r.get("attributes") or {}).get("type") or data.get("sobject")
            created.append(_seed_one(state, org, _sobject(state, t), r,
                                     owner))
    out = {"created": len(created)}
    if data.get("return_ids", True):
        out["ids"] = created
    return out


def _sobject(state, name):
    obj = state.schema.get(name)
    if obj is None or obj.name in ("User", "Organization"):
        raise ControlError("cannot seed sObject %r" % name)
    return obj


def _split_system(obj, body):
    """Seeding may also set read-only fields (CreatedDate, IsDeleted...):
    separate them from what goes through normal create validation."""
    normal, system = {}, {}
    for k, v in body.items():
        if k == "attributes":
            continue
        fld = obj.field(k)
        if fld is not None and (not fld.createable or fld.name == "Id"):
            system[fld.name] = v
        else:
            normal[k] = v
    return normal, system


def _seed_one(state, org, obj, body, owner):
    normal, system = _split_system(obj, body)
    rec = records.build_new(state, org, obj, normal, owner)
    loc = records.Locator("")
    for name, value in system.items():
        fld = obj.field(name)
        if name == "Id":
            continue
        if fld.type == "address":
            continue
        value = records.coerce(state, org, fld, value, loc)
        if value is None:
            rec.pop(name, None)
        else:
            rec[name] = value
    records.derive(obj, rec)
    org.table(obj.name)[rec["Id"]] = rec
    return rec["Id"]


def _generate(state, org, obj, count, template, owner, start):
    """count records from a template; "{n}" in strings becomes the record
    number (start, start+1, ...) and "{i}" the 0-based index. The first
    record is fully validated; the rest reuse its checked shape."""
    if count <= 0:
        return []
    if count > 1000000:
        raise ControlError("count too large")

    def fill(i):
        out = {}
        for k, v in template.items():
            if isinstance(v, str) and "{" in v:
                v = v.replace("{n}", str(start + i)).replace("{i}", str(i))
            out[k] = v
        return out
    first = _seed_one(state, org, obj, fill(0), owner)
    ids_out = [first]
    table = org.table(obj.name)
    base = table[first]
    varying = [k for k, v in template.items() if isinstance(v, str)
               and "{" in v]
    canon = {k: (obj.field(k).name if obj.field(k) else k) for k in varying}
    needs_derive = bool(varying)
    gc_was_on = gc.isenabled()
    gc.disable()    # cyclic GC passes over 200,000 new dicts cost seconds
    try:
        _fill(state, obj, table, base, varying, canon, template, start,
              count, needs_derive, ids_out)
    finally:
        if gc_was_on:
            gc.enable()
    return ids_out


def _fill(state, obj, table, base, varying, canon, template, start, count,
          needs_derive, ids_out):
    conv = {}
    for k in varying:
        fld = obj.field(k)
        conv[k] = int if fld and fld.type == "int" else (
            float if fld and fld.type in ("double", "currency", "percent")
            else str)
    # Only recompute what the varying fields feed: Name alone is cheap.
    names = set(canon[k] for k in varying)
    name_only = obj.computed_name and names & {"FirstName", "LastName"} \
        and not names & records.derive_inputs(obj) - {"FirstName",
                                                      "LastName"}
    for i in range(1, count):
        rec = dict(base)
        n, idx = str(start + i), str(i)
        for k in varying:
            rec[canon[k]] = conv[k](template[k].replace("{n}", n)
                                    .replace("{i}", idx))
        rec["Id"] = state.idgen.new(obj.key_prefix)
        if name_only:
            first, last = rec.get("FirstName"), rec.get("LastName")
            rec["Name"] = (first + " " + last if first and last
                           else first or last)
        elif needs_derive and names & records.derive_inputs(obj):
            records.derive(obj, rec)
        table[rec["Id"]] = rec
        ids_out.append(rec["Id"])


def _records(state, req, data, ca_path):
    org = _org(state, {"org": req.arg("org")})
    obj = state.schema.get(req.arg("sobject"))
    if obj is None:
        raise ControlError("give ?sobject=Name")
    deleted = req.arg("include_deleted", "true").lower() == "true"
    rows = [r for r in org.table(obj.name).values()
            if deleted or not r.get("IsDeleted")]
    return {"totalSize": len(rows), "records": rows}


def _get_record(state, req, data, ca_path):
    raw = req.path.rsplit("/", 1)[1]
    norm = ids.normalize(raw)
    for org in state.orgs.values():
        name, rec = org.find(norm) if norm else (None, None)
        if rec is not None:
            return {"sobject": name, "org": org.id, "record": rec}
    raise ControlError("no record %s" % raw, 404)


# ---- sessions, clock, org, app, limits --------------------------------------
def _expire(state, req, data, ca_path):
    n = 0
    now = state.now()
    for s in state.access_tokens.values():
        if s.expires is None or s.expires > now:
            s.expires = now
            n += 1
    if data.get("refresh_tokens"):
        for rt in state.refresh_tokens.values():
            if rt.state == "active":
                rt.state = "revoked"
                n += 1
    return {"expired": n}


def _sessions(state, req, data, ca_path):
    now = state.now()

    def user(org_id, uid):
        org = state.orgs[org_id]
        return state.user_cfg(org, uid)["username"]
    access = [{"access_token": s.token, "client_id": s.client_id,
               "username": user(s.org_id, s.user_id), "org": s.org_id,
               "scopes": s.scopes, "issued_at": int(s.issued * 1000),
               "expires": s.expires, "revoked": s.revoked,
               "active": state.session(s.token) is not None,
               "family": s.family} for s in state.access_tokens.values()]
    refresh = [{"refresh_token": r.token, "client_id": r.client_id,
                "username": user(r.org_id, r.user_id), "org": r.org_id,
                "scopes": r.scopes, "state": r.state, "family": r.family,
                "expires": r.expires,
                "active": r.state == "active" and (r.expires is None or
                                                   now < r.expires)}
               for r in state.refresh_tokens.values()]
    return {"access_tokens": access, "refresh_tokens": refresh}


def _clock(state, req, data, ca_path):
    if "advance" in data:
        state.clock_offset += float(data["advance"])
    if "offset" in data:
        state.clock_offset = float(data["offset"])
    return {"offset": state.clock_offset, "now": fmt_datetime(state.now())}


def _org_summary(state, org):
    o = {k: org.cfg.get(k) for k in ORG_KEYS}
    o.update(id=org.id, daily_api_limit=org.api_max, api_usage=org.api_usage,
             organization=org.table("Organization")[org.id])
    return o


def _set_org(state, req, data, ca_path):
    org = _org(state, data)
    unknown = set(data) - set(ORG_KEYS) - {"org"}
    if unknown:
        raise ControlError("unknown keys %s" % sorted(unknown))
    for k in ORG_KEYS:
        if k in data:
            org.cfg[k] = data[k]
    if "trial" in data and not data["trial"] and \
            "trial_expiration_date" not in data:
        org.cfg["trial_expiration_date"] = None
    if data.get("trial") and "trial_expiration_date" not in data:
        org.cfg["trial_expiration_date"] = None     # recomputed: now + 30d
    if data.get("trial_expiration_date"):
        norm = records.normalize_datetime(data["trial_expiration_date"])
        if norm is None:
            raise ControlError("bad trial_expiration_date")
        org.cfg["trial_expiration_date"] = norm
    state.refresh_org_record(org)
    return _org_summary(state, org)


def _get_org(state, req, data, ca_path):
    return _org_summary(state, _org(state, {"org": req.arg("org")}))


def _limits(state, req, data, ca_path):
    org = _org(state, data)
    if "max" in data:
        org.api_max = int(data["max"])
    if "used" in data:
        org.api_usage = int(data["used"])
    return {"org": org.id, "max": org.api_max, "used": org.api_usage}


def _get_limits(state, req, data, ca_path):
    return _limits(state, req, {"org": req.arg("org")}, ca_path)


def _set_app(state, req, data, ca_path):
    cid = data.get("client_id") or next(iter(state.apps))
    app = state.apps.get(cid)
    if app is None:
        raise ControlError("unknown client_id %r" % cid, 404)
    unknown = set(data) - set(APP_KEYS) - {"client_id"}
    if unknown:
        raise ControlError("unknown keys %s" % sorted(unknown))
    for k in APP_KEYS:
        if k in data:
            app[k] = data[k]
    return app


# ---- org shapes (shapes.py) -------------------------------------------------
def _set_shapes(state, req, data, ca_path):
    """Replace the picklists, validation rules and duplicate rules of the
    objects named; the schema's picklists follow."""
    given = shapes.normalize(state.schema, data)
    state.shapes = shapes.merge(state.shapes, given)
    shapes.apply_picklists(state.schema, state.shapes)
    state.metadata_changed()
    return state.shapes


def _get_shapes(state, req, data, ca_path):
    return state.shapes


def _clear_shapes(state, req, data, ca_path):
    state.shapes = copy.deepcopy(state.base_shapes)
    shapes.apply_picklists(state.schema, state.shapes)
    state.metadata_changed()
    return state.shapes


def _set_user(state, req, data, ca_path):
    """A user's object access: {"username", "object_access": {"Lead":
    "read"}} (objects not named keep theirs)."""
    org, uid = state.find_user(data.get("username"))
    if org is None:
        raise ControlError("unknown username %r" % data.get("username"), 404)
    unknown = set(data) - {"username", "object_access"}
    if unknown:
        raise ControlError("unknown keys %s" % sorted(unknown))
    access = shapes.check_access(state.schema,
                                 data.get("object_access") or {})
    user = state.user_cfg(org, uid)
    user["object_access"] = dict(user.get("object_access") or {}, **access)
    state.metadata_changed()
    return dict(user, id=uid)


def _device(state, req, data, ca_path):
    err = oauth.device_decide(state, data.get("user_code"),
                              data.get("username"), bool(data.get("deny")))
    if err:
        raise ControlError(err)
    return {"ok": True}


def _codes(state, req, data, ca_path):
    """Expire every pending authorization code (tests of expiry)."""
    now = state.now()
    n = 0
    for c in state.codes.values():
        if not c["used"] and c["expires"] > now:
            c["expires"] = now
            n += 1
    return {"expired": n}


# ---- latency, faults, log ---------------------------------------------------
def _rule(data):
    method = (data.get("method") or "*").upper()
    regex = data.get("regex")
    if regex is not None:
        re.compile(regex)
    return {"method": method, "path": data.get("path"), "regex": regex}


def rule_matches(rule, method, path, target):
    if rule["method"] not in ("*", method):
        return False
    if rule.get("regex") is not None:
        return re.search(rule["regex"], target) is not None
    if rule.get("path") is not None:
        return path.startswith(rule["path"])
    return True


def _set_latency(state, req, data, ca_path):
    ms = int(data.get("ms", 0))
    if data.get("path") is None and data.get("regex") is None and \
            data.get("method") is None:
        state.latency["ms"] = ms
    else:
        rule = _rule(data)
        rule["ms"] = ms
        state.latency["rules"].append(rule)
    return state.latency


def _get_latency(state, req, data, ca_path):
    return state.latency


def _clear_latency(state, req, data, ca_path):
    state.latency = {"ms": 0, "rules": []}
    return state.latency


def _add_fault(state, req, data, ca_path):
    kind = data.get("kind", "status")
    if kind not in FAULT_KINDS:
        raise ControlError("kind must be one of %s" % ", ".join(FAULT_KINDS))
    fault = _rule(data)
    state.fault_seq += 1
    headers = dict(data.get("headers") or {})
    if data.get("retry_after") is not None:
        headers["Retry-After"] = str(data["retry_after"])
    body = data.get("body", "")
    ctype = data.get("content_type")
    if "json" in data:
        body = json.dumps(data["json"], separators=(",", ":"))
        ctype = ctype or web.JSON_TYPE
    fault.update(id=state.fault_seq, kind=kind,
                 count=int(data.get("count", 1)),
                 status=int(data.get("status", 503)), headers=headers,
                 body=body, content_type=ctype,
                 when=data.get("when", "before"),
                 bytes=data.get("bytes"), chunk=int(data.get("chunk", 64)),
                 delay_ms=int(data.get("delay_ms", 100)))
    if fault["when"] not in ("before", "after"):
        raise ControlError("when must be before or after")
    state.faults.append(fault)
    return {"id": fault["id"], "fault": fault}


def take_fault(state, method, path, target):
    """The first fault matching this request, with its count used up."""
    with state.lock:
        for f in state.faults:
            if f["count"] > 0 and rule_matches(f, method, path, target):
                f["count"] -= 1
                if f["count"] <= 0:
                    state.faults.remove(f)
                return dict(f)
    return None


def latency_for(state, method, path, target):
    with state.lock:
        for rule in state.latency["rules"]:
            if rule_matches(rule, method, path, target):
                return rule["ms"]
        return state.latency["ms"]


def _get_faults(state, req, data, ca_path):
    return {"faults": list(state.faults)}


def _clear_faults(state, req, data, ca_path):
    state.faults = []
    return {"faults": []}


def _log(state, req, data, ca_path):
    since = int(req.arg("since", "0"))
    entries = [e for e in state.log if e["seq"] > since]
    if req.arg("path"):
        entries = [e for e in entries if e["path"].startswith(req.arg("path"))]
    return {"requests": entries, "last_seq": state.log_seq}


def _clear_log(state, req, data, ca_path):
    state.log.clear()
    return {"ok": True, "last_seq": state.log_seq}


def log_entry(state, req):
    """Record what the client sent (control calls are not logged)."""
    ctype = req.header("content-type", "").lower()
    entry = {"time": time.time(), "connection": req.conn_id, "tls": req.tls,
             "method": req.method, "path": req.path,
             "query": req.query_string, "target": req.target,
             "headers": req.headers,
             "raw_headers": [[k, v] for k, v in req.header_list],
             "body": None, "status": None, "fault": None}
    try:
        entry["body"] = req.body.decode("utf-8")
    except UnicodeDecodeError:
        entry["body_base64"] = base64.b64encode(req.body).decode("ascii")
    if "application/x-www-form-urlencoded" in ctype or \
            "multipart/form-data" in ctype:
        entry["form"] = req.form()
    elif "json" in ctype and entry["body"]:
        try:
            entry["json"] = json.loads(entry["body"])
        except ValueError:
            pass
    with state.lock:
        state.log_seq += 1
        entry["seq"] = state.log_seq
        state.log.append(entry)
    return entry


ROUTES = {
    ("GET", "/health"): _health,
    ("GET", "/config"): _config,
    ("GET", "/jwt-key"): _jwt_key,
    ("POST", "/jwt/sign"): _jwt_sign,
    ("POST", "/reset"): _reset,
    ("POST", "/seed"): _seed,
    ("GET", "/records"): _records,
    ("POST", "/sessions/expire"): _expire,
    ("GET", "/sessions"): _sessions,
    ("POST", "/codes/expire"): _codes,
    ("POST", "/clock"): _clock,
    ("GET", "/org"): _get_org,
    ("POST", "/org"): _set_org,
    ("GET", "/limits"): _get_limits,
    ("POST", "/limits"): _limits,
    ("POST", "/app"): _set_app,
    ("GET", "/shapes"): _get_shapes,
    ("POST", "/shapes"): _set_shapes,
    ("DELETE", "/shapes"): _clear_shapes,
    ("POST", "/user"): _set_user,
    ("POST", "/device/approve"): _device,
    ("GET", "/latency"): _get_latency,
    ("POST", "/latency"): _set_latency,
    ("DELETE", "/latency"): _clear_latency,
    ("GET", "/faults"): _get_faults,
    ("POST", "/faults"): _add_fault,
    ("DELETE", "/faults"): _clear_faults,
    ("GET", "/log"): _log,
    ("DELETE", "/log"): _clear_log,
    ("POST", "/log/clear"): _clear_log,
}
