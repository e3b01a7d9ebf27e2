"""The REST API under /services/data: versions, resources, describe,
record CRUD and upsert, query/queryAll with cursors, SOSL search,
parameterizedSearch, limits and recent items. The composite family is in
composite.py. Shapes follow salesforce-api.md section 2."""

import email.utils
import re
import urllib.parse

import composite
import ids
import records
import shapes
import soql
import sosl
import web
from store import ApiError, fmt_datetime

INVALID_SESSION = "Session expired or invalid"
NOT_REST_SESSION = "This session is not valid for use with the REST API"


def not_found():
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def version_label(v):
    major = int(float(v))
    if major <= 31:
        return "Summer '14" if major == 31 else "Spring '14"
    season = ("Winter", "Spring", "Summer")[(major - 32) % 3]
    return "%s '%02d" % (season, 15 + (major - 32) // 3)


def _vnum(v):
    return tuple(int(x) for x in v.split("."))


class Ctx:
    """What a handler needs: who is calling, in which org, which version,
    and the undo log when the call is part of an allOrNone unit."""

    def __init__(self, state, session, org, version, headers, txn=None):
        self.state = state
        self.session = session
        self.org = org
        self.version = version
        self.headers = headers
        self.txn = txn
        self.route = route

    @property
    def user_id(self):
        return self.session.user_id

    def at_least(self, v):
        return _vnum(self.version) >= _vnum(v)


# ---- entry ------------------------------------------------------------------
def handle(state, req):
    """Any request under /services/data."""
    rest = req.path[len("/services/data"):]
    if rest in ("", "/"):
        return _versions(state, req)
    m = re.match(r"^/v(\d+\.\d)(?:/(.*))?$", rest)
    if not m:
        return web.error_response(not_found())
    version, sub = m.group(1), m.group(2) or ""
    vmin, vmax = state.cfg["api_versions"]["min"], \
        state.cfg["api_versions"]["max"]
    if _vnum(version) > _vnum(vmax) or _vnum(version) < (7, 0):
        return web.error_response(not_found())
    if _vnum(version) < _vnum(vmin):
        # Retired versions answer 410 GONE (reference 2.1); the body is
        # UNCONFIRMED.
        return web.error_response(ApiError(
            410, "UNSUPPORTED_API_VERSION",
            "Version %s of the API is no longer supported." % version))
    try:
        session = authenticate(state, req)
    except BearerError as e:
        return e.response()
    except ApiError as e:
        return web.error_response(e)
    org = state.orgs[session.org_id]
    app = session.client_id
    app_max = state.app_limit(app)
    if org.cfg.get("api_enabled") is False:
        resp = web.error_response(ApiError(403, "API_DISABLED_FOR_ORG",
                                           shapes.API_DISABLED))
    elif org.api_usage >= org.api_max:
        resp = web.error_response(ApiError(403, "REQUEST_LIMIT_EXCEEDED",
                                           "TotalRequests Limit exceeded."))
    elif app_max is not None and org.app_usage.get(app, 0) >= app_max:
        # A spent per-app allocation: a single object, not an array, as
        # Salesforce's gateways answer their 429s (reference 3.1); the
        # status and wording are UNCONFIRMED.
        resp = web.json_response(429, {
            "errorCode": "REQUEST_LIMIT_EXCEEDED",
            "message": "API request limit exceeded for connected app %s."
                       % state.apps[app]["name"]})
    else:
        org.api_usage += 1
        org.app_usage[app] = org.app_usage.get(app, 0) + 1
        ctx = Ctx(state, session, org, version, req.headers)
        method = req.method
        override = req.arg("_HttpMethod")
        if method == "POST" and override:
            method = override.upper()
        try:
            resp = route(ctx, method, sub, req.query, req.body)
        except ApiError as e:
            resp = web.error_response(e)
    resp.set_header("Sforce-Limit-Info", state.limit_header(org, app))
    if req.header("x-prettyprint") == "1" and resp.obj is not None:
        resp.body = web.dumps(resp.obj, pretty=True)
    return resp


class BearerError(Exception):
    """RFC 6750 3.1: a 401 whose challenge says invalid_token, as a
    resource server behind a generic OAuth 2.0 provider answers."""

    def __init__(self, description):
        super().__init__(description)
        self.description = description

    def response(self):
        challenge = 'Bearer realm="emulator", error="invalid_token", ' \
            'error_description="%s"' % self.description
        return web.json_response(401, {"error": "invalid_token",
                                       "error_description":
                                       self.description},
                                 [("WWW-Authenticate", challenge)])


def authenticate(state, req):
    auth = req.header("authorization")
    if not auth:
        # Salesforce tells a missing header from a stale token: 401
        # INVALID_AUTH_HEADER (the message as for a malformed header).
        raise ApiError(401, "INVALID_AUTH_HEADER", "INVALID_HEADER_TYPE")
    scheme, _, token = auth.strip().partition(" ")
    if scheme.lower() not in ("bearer", "oauth") or not token.strip():
        # Reference 2.1: message INVALID_HEADER_TYPE; 401 is UNCONFIRMED.
        raise ApiError(401, "INVALID_AUTH_HEADER", "INVALID_HEADER_TYPE")
    session = state.session(token.strip())
    if session is None:
        known = state.access_tokens.get(token.strip())
        app = state.apps.get(known.client_id) if known else None
        if app is not None and app.get("provider") == "oauth2":
            raise BearerError("The access token expired or was revoked")
        raise ApiError(401, "INVALID_SESSION_ID", INVALID_SESSION)
    if not {"api", "full"} & set(session.scopes):
        raise ApiError(401, "INVALID_SESSION_ID", NOT_REST_SESSION)
    return session


def _versions(state, req):
    vmin = int(float(state.cfg["api_versions"]["min"]))
    vmax = int(float(state.cfg["api_versions"]["max"]))
    body = [{"label": version_label(v), "url": "/services/data/v%d.0" % v,
             "version": "%d.0" % v} for v in range(vmin, vmax + 1)]
    return web.json_response(200, body)


def _allow(method, *allowed):
    if method not in allowed:
        names = ["HEAD"] + list(allowed) if "GET" in allowed else allowed
        raise ApiError(405, "METHOD_NOT_ALLOWED",
                       "HTTP Method '%s' not allowed. Allowed are %s"
                       % (method, ",".join(names)))


def route(ctx, method, sub, query, body):
    """Dispatch a versioned call (also used by composite subrequests)."""
    parts = [urllib.parse.unquote(p) for p in sub.strip("/").split("/")] \
        if sub.strip("/") else []
    if method == "HEAD":
        method = "GET"      # the server drops the body of a HEAD reply
    if not parts:
        _allow(method, "GET")
        return web.json_response(200, _resources(ctx))
    head = parts[0]
    if head == "sobjects":
        if len(parts) == 1:
            _allow(method, "GET")
            return _describe_global(ctx)
        return _sobject(ctx, method, parts, query, body)
    if head in ("query", "queryAll"):
        _allow(method, "GET")
        return _query(ctx, parts, query, head == "queryAll")
    if head == "search" and len(parts) == 1:
        _allow(method, "GET")
        return _search(ctx, query)
    if head == "parameterizedSearch" and len(parts) == 1:
        _allow(method, "GET", "POST")
        return _psearch(ctx, method, query, body)
    if head == "limits" and len(parts) == 1:
        _allow(method, "GET")
        return web.json_response(200, limits(ctx.org))
    if head == "recent" and len(parts) == 1:
        _allow(method, "GET")
        return _recent(ctx, query)
    if head == "composite":
        return composite.route(ctx, method, parts[1:], query, body)
    raise not_found()


# ---- discovery --------------------------------------------------------------
def _resources(ctx):
    v = "/services/data/v%s/" % ctx.version
    names = ["tooling", "metadata", "eclair", "folders", "prechatForms",
             "chatter", "tabs", "appMenu", "quickActions", "queryAll",
             "commerce", "wave", "iot", "analytics", "search", "identity",
             "composite", "parameterizedSearch", "theme", "nouns", "event",
             "serviceTemplates", "recent", "connect", "licensing", "limits",
             "process", "async-queries", "query", "match", "emailConnect",
             "compactLayouts", "knowledgeManagement", "sobjects", "actions",
             "support"]
    out = {}
    for n in names:
        out[n] = v + n
    out["identity"] = ctx.state.identity_url(ctx.org.id, ctx.user_id)
    return out


def _describe_global(ctx):
    schema = shapes.scoped_state(ctx).schema
    body = {"encoding": "UTF-8", "maxBatchSize": 200,
            "sobjects": [shapes.describe_flags(
                ctx, schema.objects[n],
                schema.objects[n].global_entry(ctx.version))
                for n in schema.names()]}
    return _not_modified(ctx, ctx.state.metadata_modified) or \
        web.json_response(200, body)


def _not_modified(ctx, modified_epoch):
    """304 when If-Modified-Since is at or after the last change."""
    since = ctx.headers.get("if-modified-since")
    if not since:
        return None
    try:
        when = email.utils.parsedate_to_datetime(since).timestamp()
    except (TypeError, ValueError):
        return None
    if int(modified_epoch) <= when:
        return web.empty(304)
    return None


def limits(org):
    """GET /limits body; DailyApiRequests reflects the live counter."""
    dev = org.cfg["edition"] == "Developer Edition"

    def lim(mx, used=0):
        return {"Max": mx, "Remaining": mx - used}
    return {
        "ConcurrentAsyncGetReportInstances": lim(200),
        "ConcurrentSyncReportRuns": lim(20),
        "DailyAnalyticsDataflowJobExecutions": lim(60),
        "DailyApiRequests": lim(org.api_max, min(org.api_usage,
                                                 org.api_max)),
        "DailyAsyncApexExecutions": lim(250000),
        "DailyBulkApiBatches": lim(15000),
        "DailyBulkV2QueryFileStorageMB": lim(976562),
        "DailyBulkV2QueryJobs": lim(10000),
        "DailyDurableGenericStreamingApiEvents": lim(10000),
        "DailyDurableStreamingApiEvents": lim(10000),
        "DailyGenericStreamingApiEvents": lim(10000),
        "DailyStandardVolumePlatformEvents": lim(10000),
        "DailyStreamingApiEvents": lim(10000),
        "DailyWorkflowEmails": lim(390),
        "DataStorageMB": lim(5 if dev else 1024),
        "FileStorageMB": lim(20 if dev else 10240),
        "HourlyAsyncReportRuns": lim(1200),
        "HourlyDashboardRefreshes": lim(200),
        "HourlyDashboardResults": lim(5000),
        "HourlyDashboardStatuses": lim(999999999),
        "HourlyODataCallout": lim(10000),
        "HourlySyncReportRuns": lim(500),
        "HourlyTimeBasedWorkflow": lim(50),
        "MassEmail": lim(10),
        "SingleEmail": lim(15),
    }


def _recent(ctx, query):
    n = int((query.get("limit") or ["200"])[0])
    out = []
    for rid, obj_name in reversed(list(ctx.org.recent.items())):
        rec = ctx.org.table(obj_name).get(rid)
        if rec is None or rec.get("IsDeleted"):
            continue
        obj = ctx.state.schema.get(obj_name)
        out.append({"attributes": records.attributes(obj_name, rid,
                                                     ctx.version),
                    "Id": rid, "Name": rec.get(obj.name_field)})
        if len(out) >= n:
            break
    return web.json_response(200, out)


# ---- sObjects ---------------------------------------------------------------
def write(ctx, obj_name, rec):
    table = ctx.org.table(obj_name)
    if ctx.txn is not None:
        ctx.txn.remember(table, rec["Id"])
    table[rec["Id"]] = rec
    ctx.org.touch_recent(obj_name, rec["Id"])


def create(ctx, obj, body, raw=None):
    """Validate and store a new record; return its id (ApiError raised)."""
    shapes.check_write(ctx, obj, True)
    rec = records.build_new(ctx.state, ctx.org, obj, body, ctx.user_id, raw)
    shapes.check_save(ctx, obj, rec, True)
    write(ctx, obj.name, rec)
    return rec["Id"]


def update(ctx, obj, rec, body, raw=None):
    shapes.check_write(ctx, obj, False)
    new = records.build_update(ctx.state, ctx.org, obj, rec, body,
                               ctx.user_id, raw)
    shapes.check_save(ctx, obj, new, False)
    write(ctx, obj.name, new)


def delete(ctx, obj, rec):
    shapes.check_write(ctx, obj, False)
    new = dict(rec, IsDeleted=True)
    new["LastModifiedDate"] = new["SystemModstamp"] = \
        fmt_datetime(ctx.state.now())
    new["LastModifiedById"] = ctx.user_id
    write(ctx, obj.name, new)
    ctx.org.recent.pop(rec["Id"], None)


def deleted_error():
    # 404 for a deleted record is UNCONFIRMED in the reference.
    return ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", [])


def lookup_id(ctx, obj, raw_id):
    """The live record for a 15/18-char id in a URL; ApiError otherwise."""
    if not ids.looks_like_id(raw_id):
        raise ApiError(404, "NOT_FOUND", "Provided external ID field does "
                       "not exist or is not accessible: %s" % raw_id)
    norm = ids.normalize(raw_id)
    if norm is None or norm[:3] != obj.key_prefix:
        raise ApiError(400, "MALFORMED_ID", "%s ID: id value of incorrect "
                       "type: %s" % (obj.label, raw_id), ["Id"])
    rec = ctx.org.table(obj.name).get(norm)
    if rec is None:
        raise not_found()
    if rec.get("IsDeleted"):
        raise deleted_error()
    return rec


def field_list(obj, text):
    names = []
    for raw in (text or "").split(","):
        raw = raw.strip()
        if not raw:
            continue
        fld = obj.field(raw)
        if fld is None:
            raise ApiError(400, "INVALID_FIELD",
                           "No such column '%s' on entity '%s'. %s"
                           % (raw, obj.name, soql.COLUMN_HINT))
        if fld.name not in names:
            names.append(fld.name)
    return names


def _sobject(ctx, method, parts, query, body):
    obj = shapes.scoped_state(ctx).schema.get(parts[1])
    if obj is None:
        raise not_found()
    n = len(parts)
    if n == 2:
        if obj.createable:
            _allow(method, "GET", "POST")
        else:
            _allow(method, "GET")
        if method == "POST":
            return _create_response(ctx, obj, body)
        return _basic_info(ctx, obj)
    if n == 3 and parts[2].lower() == "describe":
        _allow(method, "GET")
        return _not_modified(ctx, ctx.state.metadata_modified) or \
            web.json_response(200, shapes.describe_flags(
                ctx, obj, obj.describe(ctx.version, ctx.state.schema)))
    if n == 3 and method == "POST" and parts[2].lower() == "id":
        # POST /sobjects/Obj/Id (v37+): insert, Id treated as external id.
        ident = _create_response(ctx, obj, body)
        ident.obj["created"] = True
        return web.json_response(201, ident.obj)
    if n == 3 and parts[2] in ("updated", "deleted"):
        _allow(method, "GET")
        return replication(ctx, obj, parts[2], query)
    if n == 3:
        return _record(ctx, method, obj, parts[2], query, body)
    if n == 4:
        return _by_external_id(ctx, method, obj, parts[2], parts[3], query,
                               body)
    raise not_found()


def _create_response(ctx, obj, body):
    data = _json(body)
    new_id = create(ctx, obj, data, _raw(body))
    # Whether Salesforce sets Location on a direct create is UNCONFIRMED;
    # it is left out so that clients rely on the body's id.
    return web.json_response(201, {"id": new_id, "success": True,
                                   "errors": []})


def _json(body):
    req = web.Request("POST", "/", [], body, "")
    return req.json()


def _raw(body):
    return body.decode("utf-8", "replace") if isinstance(body, bytes) \
        else body


def _basic_info(ctx, obj):
    recent = []
    for rid, name in reversed(list(ctx.org.recent.items())):
        if name != obj.name:
            continue
        rec = ctx.org.table(name).get(rid)
        if rec is None or rec.get("IsDeleted"):
            continue
        recent.append({"attributes": records.attributes(name, rid,
                                                        ctx.version),
                       "Id": rid, obj.name_field: rec.get(obj.name_field)})
        if len(recent) >= 25:
            break
    return web.json_response(200, {"objectDescribe": shapes.describe_flags(
        ctx, obj, obj.global_entry(ctx.version)),
                                   "recentItems": recent})


def _record(ctx, method, obj, raw_id, query, body):
    allowed = ["GET", "PATCH", "DELETE"] if obj.deletable else (
        ["GET", "PATCH"] if obj.updateable else ["GET"])
    _allow(method, *allowed)
    rec = lookup_id(ctx, obj, raw_id)
    if method == "GET":
        modified = records.parse_datetime(rec.get("LastModifiedDate")) or 0
        nm = _not_modified(ctx, modified)
        if nm:
            return nm
        names = field_list(obj, query.get("fields", [None])[0]) \
            if "fields" in query else None
        ctx.org.touch_recent(obj.name, rec["Id"])
        return web.json_response(200, records.render(obj, rec, ctx.version,
                                                     names))
    if method == "PATCH":
        update(ctx, obj, rec, _json(body), _raw(body))
        return web.empty(204)
    delete(ctx, obj, rec)
    return web.empty(204)


def _by_external_id(ctx, method, obj, field_name, value, query, body):
    fld = obj.field(field_name)
    if fld is None or not (fld.external or fld.name == "Id"):
        raise ApiError(404, "NOT_FOUND", "Provided external ID field does "
                       "not exist or is not accessible: %s" % field_name)
    _allow(method, "GET", "PATCH", "DELETE")
    if fld.name == "Id":
        norm = ids.normalize(value)
        rec = ctx.org.table(obj.name).get(norm) if norm else None
        matches = [rec] if rec and not rec.get("IsDeleted") else []
    else:
        matches = records.find_by_field(ctx.org, obj.name, fld.name, value)
    if len(matches) > 1:
        return web.json_response(300, [
            "/services/data/v%s/sobjects/%s/%s" % (ctx.version, obj.name,
                                                   r["Id"])
            for r in matches])
    if method == "GET":
        if not matches:
            raise not_found()
        names = field_list(obj, query.get("fields", [None])[0]) \
            if "fields" in query else None
        return web.json_response(200, records.render(
            obj, matches[0], ctx.version, names))
    if method == "DELETE":
        if not matches:
            raise not_found()
        delete(ctx, obj, matches[0])
        return web.empty(204)
    return upsert(ctx, obj, fld, value, matches, _json(body), _raw(body),
                  query.get("updateOnly", ["false"])[0].lower() == "true")


def upsert(ctx, obj, fld, value, matches, data, raw=None, update_only=False):
    """One upsert; 201 created / 200 (204 before v46) updated."""
    if not isinstance(data, dict):
        records.build_new(ctx.state, ctx.org, obj, data, ctx.user_id)
    if not matches:
        if update_only or fld.name == "Id":
            # updateOnly with no match: 404 is UNCONFIRMED (reference 2.4).
            raise not_found()
        body = dict(data)
        body[fld.name] = value
        new_id = create(ctx, obj, body, raw)
        out = {"id": new_id, "success": True, "errors": []}
        if ctx.at_least("46.0"):
            out["created"] = True
        return web.json_response(201, out)
    rec = matches[0]
    update(ctx, obj, rec, data, raw)
    if not ctx.at_least("46.0"):
        return web.empty(204)
    return web.json_response(200, {"id": rec["Id"], "success": True,
                                   "errors": [], "created": False})


# ---- updated / deleted (data replication) -----------------------------------
REPLICATION_DAYS = {"updated": 30, "deleted": 15}


def _minute(epoch):
    """Salesforce ignores the seconds of start and end."""
    return epoch - epoch % 60


def replication(ctx, obj, which, query):
    """GET /sobjects/X/updated|deleted/?start=&end= (ISO 8601): the ids
    of the records changed (by SystemModstamp) or deleted in [start, end),
    as sObject Get Updated / Get Deleted answer. Error codes follow the
    SOAP getUpdated() rules; their wording is UNCONFIRMED."""
    span = {}
    for name in ("start", "end"):
        text = query.get(name, [None])[0]
        if not text:
            raise ApiError(400, "MISSING_ARGUMENT",
                           "%s parameter is required" % name)
        epoch = records.parse_datetime(text) if "T" in text else None
        if epoch is None:
            raise ApiError(400, "INVALID_REPLICATION_DATE",
                           "%s is not a valid date and time: %s"
                           % (name, text))
        span[name] = _minute(epoch)
    now = ctx.state.now()
    start, end = span["start"], span["end"]
    if start >= end:
        raise ApiError(400, "INVALID_REPLICATION_DATE",
                       "startDate must chronologically precede endDate")
    days = REPLICATION_DAYS[which]
    if start < _minute(now) - days * 86400:
        raise ApiError(400, "INVALID_REPLICATION_DATE",
                       "startDate cannot be more than %d days ago" % days)
    covered = min(end, _minute(now))
    hits = []
    for rec in ctx.org.table(obj.name).values():
        when = records.parse_datetime(rec.get("SystemModstamp"))
        if when is None or not start <= when < covered:
            continue
        if bool(rec.get("IsDeleted")) == (which == "deleted"):
            hits.append((when, rec))
    hits.sort(key=lambda h: h[0])
    if which == "updated":
        return web.json_response(200, {
            "ids": [r["Id"] for _, r in hits],
            "latestDateCovered": fmt_datetime(covered)})
    return web.json_response(200, {
        "deletedRecords": [{"id": r["Id"],
                            "deletedDate": r["SystemModstamp"]}
                           for _, r in hits],
        "earliestDateAvailable": fmt_datetime(_minute(ctx.state.started)),
        "latestDateCovered": fmt_datetime(covered)})


# ---- query ------------------------------------------------------------------
def batch_size(headers, default=2000):
    opt = headers.get("sforce-query-options", "")
    m = re.search(r"batchSize\s*=\s*(\d+)", opt, re.I)
    if not m:
        return default
    return max(200, min(2000, int(m.group(1))))


def _query(ctx, parts, query, include_deleted):
    state, org = ctx.state, ctx.org
    if len(parts) == 2:
        return _query_more(ctx, parts[1])
    if len(parts) > 2:
        raise not_found()
    q = query.get("q", [None])[0]
    if not q or not q.strip():
        # UNCONFIRMED wording.
        raise ApiError(400, "MALFORMED_QUERY",
                       "A query string has to be specified")
    compiled = soql.compile_query(shapes.scoped_state(ctx), org, q)
    rows = compiled.run(org, include_deleted)
    if compiled.count_only:
        return web.json_response(200, {"totalSize": len(rows), "done": True,
                                       "records": []})
    if compiled.aggregated:
        found = soql.aggregate_rows(compiled, org, rows)
        return web.json_response(200, {"totalSize": len(found),
                                       "done": True, "records": found})
    size = batch_size(ctx.headers)
    cursor = {"org": org.id, "rows": rows, "query": compiled, "batch": size}
    return _page(ctx, cursor, None, 0)


def _page(ctx, cursor, locator, offset):
    rows, size = cursor["rows"], cursor["batch"]
    page = rows[offset:offset + size]
    body = {"totalSize": len(rows), "done": offset + size >= len(rows)}
    if not body["done"]:
        state = ctx.state
        if locator is None:
            locator = state.idgen.new("01g")
            state.cursors[locator] = cursor
            while len(state.cursors) > 200:     # oldest cursors expire
                state.cursors.popitem(last=False)
        body["nextRecordsUrl"] = "/services/data/v%s/query/%s-%d" % (
            ctx.version, locator, offset + size)
    q = cursor["query"]
    body["records"] = [q.project(ctx.org, r, ctx.version) for r in page]
    return web.json_response(200, body)


def _query_more(ctx, token):
    locator, _, off = token.rpartition("-")
    cursor = ctx.state.cursors.get(locator)
    if cursor is None or cursor["org"] != ctx.org.id or not off.isdigit():
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    ctx.state.cursors.move_to_end(locator)
    if "sforce-query-options" in ctx.headers:
        cursor = dict(cursor, batch=batch_size(ctx.headers))
    return _page(ctx, cursor, locator, int(off))


# ---- search -----------------------------------------------------------------
def _search_body(ctx, found):
    # Bare array up to v35.0, {"searchRecords": [...]} from v36.0 (the
    # switch version is UNCONFIRMED; 36.0 per the reference).
    if not ctx.at_least("36.0"):
        return web.json_response(200, found)
    return web.json_response(200, {"searchRecords": found})


def _search(ctx, query):
    q = query.get("q", [None])[0]
    if not q or not q.strip():
        raise sosl.no_term()
    search = sosl.compile_search(shapes.scoped_state(ctx), ctx.org, q)
    return _search_body(ctx, search.run(ctx.org, ctx.version))


def _split(text):
    return [x.strip() for x in (text or "").split(",") if x.strip()]


def _psearch(ctx, method, query, body):
    if method == "POST":
        spec = _json(body)
        if not isinstance(spec, dict):
            raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize "
                           "instance of parameterized search request")
    else:
        first = {k: v[0] for k, v in query.items()}
        spec = {"q": first.get("q"), "in": first.get("in"),
                "overallLimit": first.get("overallLimit"),
                "defaultLimit": first.get("defaultLimit"),
                "fields": _split(first.get("fields"))}
        names = []
        for value in query.get("sobject", []):
            names.extend(_split(value))
        if names:
            spec["sobjects"] = [{
                "name": n, "fields": _split(first.get(n + ".fields")),
                "where": first.get(n + ".where"),
                "limit": first.get(n + ".limit")} for n in names]
    search = sosl.parameterized(shapes.scoped_state(ctx), ctx.org, spec)
    return _search_body(ctx, search.run(ctx.org, ctx.version))
