"""The composite family: /composite (references, allOrNone, 25-subrequest
limit), /composite/batch (haltOnError) and /composite/sobjects collections
(create, update, upsert, retrieve, delete; 200 records; per-record errors).
Shapes follow salesforce-api.md 2.7. Tree and graph are not emulated."""

import re
import urllib.parse

import ids
import records
import shapes
import web
from store import ApiError, Txn

_REF_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_]*$")
_REF = re.compile(r"@\{([^}]*)\}")
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
ROLLED_BACK = ("The transaction was rolled back since another operation in "
               "the same transaction failed.")


def route(ctx, method, parts, query, body):
    if not parts:
        if method == "GET":
            base = "/services/data/v%s/composite/" % ctx.version
            return web.json_response(200, {n: base + n for n in
                                           ("tree", "batch", "sobjects",
                                            "graph")})
        _allow(method, "GET", "POST")
        return _composite(ctx, _parse(body))
    if parts == ["batch"]:
        _allow(method, "POST")
        return _batch(ctx, _parse(body))
    if parts[0] == "sobjects":
        return _collections(ctx, method, parts[1:], query, body)
    raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def _allow(method, *allowed):
    if method not in allowed:
        raise ApiError(405, "METHOD_NOT_ALLOWED",
                       "HTTP Method '%s' not allowed. Allowed are %s"
                       % (method, ",".join(allowed)))


def _parse(body):
    return web.Request("POST", "/", [], body, "").json()


def _bad_request(message, code="INVALID_FIELD"):
    return ApiError(400, code, message)


def _halted(message):
    return [{"errorCode": "PROCESSING_HALTED", "message": message}]


def _split_url(url):
    """'/services/data/v62.0/sobjects/X?a=b' -> (version, sub, query)."""
    path, _, qs = url.partition("?")
    m = re.match(r"^/?(?:services/data/)?v(\d+\.\d)(?:/(.*))?$", path)
    if not m:
        return None
    return m.group(1), m.group(2) or "", urllib.parse.parse_qs(
        qs, keep_blank_values=True)


def _sub_call(ctx, method, url, body_obj):
    """Run one subrequest through the REST router; (status, headers, obj)."""
    parsed = _split_url(url)
    if parsed is None:
        err = ApiError(404, "NOT_FOUND",
                       "The requested resource does not exist")
        return err.status, {}, err.body()
    version, sub, query = parsed
    head = sub.strip("/").split("/")
    if head[0] == "composite" and (len(head) == 1 or head[1] != "sobjects"):
        err = ApiError(400, "INVALID_API_INPUT", "The composite API does not "
                       "support nested composite, batch, tree or graph "
                       "requests")
        return err.status, {}, err.body()
    sub_ctx = type(ctx)(ctx.state, ctx.session, ctx.org, version,
                        ctx.headers, ctx.txn)
    raw = b"" if body_obj is None else web.dumps(body_obj)
    try:
        resp = ctx.route(sub_ctx, method, sub, query, raw)
    except ApiError as e:
        return e.status, {}, e.body()
    headers = {}
    if resp.status == 201 and isinstance(resp.obj, dict) and \
            resp.obj.get("id") and head[0] == "sobjects":
        obj_name = head[1] if len(head) > 1 else ""
        headers["Location"] = "/services/data/v%s/sobjects/%s/%s" % (
            version, obj_name, resp.obj["id"])
    return resp.status, headers, resp.obj


# ---- /composite -------------------------------------------------------------
class _RefMissing(Exception):
    pass


def _resolve_expr(expr, results, version):
    m = re.match(r"^([A-Za-z0-9_]+)(.*)$", expr)
    if not m or m.group(1) not in results:
        raise _RefMissing(expr)
    value = results[m.group(1)]
    for name, index in re.findall(r"\.([^.\[\]]+)|\[(\d+)\]", m.group(2)):
        if index:
            if not isinstance(value, list) or int(index) >= len(value):
                raise _RefMissing(expr)
            value = value[int(index)]
        else:
            if not isinstance(value, dict):
                raise _RefMissing(expr)
            if name in value:
                value = value[name]
            else:
                low = {k.lower(): k for k in value}
                if name.lower() not in low:
                    raise _RefMissing(expr)
                value = value[low[name.lower()]]
    if value is None and tuple(map(int, version.split("."))) < (52, 0):
        raise _RefMissing(expr)     # v52+: a null field resolves to null
    return value


def _substitute(value, results, version):
    if isinstance(value, str):
        whole = _REF.fullmatch(value)
        if whole:
            return _resolve_expr(whole.group(1), results, version)
        return _REF.sub(lambda m: _text(_resolve_expr(m.group(1), results,
                                                      version)), value)
    if isinstance(value, dict):
        return {k: _substitute(v, results, version) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, results, version) for v in value]
    return value


def _text(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def _ref_message(expr):
    ref = expr.split(".")[0].split("[")[0]
    return ("Invalid reference specified. No value for %s found in %s. "
            "Provided referenceId ('%s') must start with a letter or a "
            "number, and it can contain only letters, numbers and "
            "underscores ('_')." % (expr, ref, expr))


def _composite(ctx, data):
    if not isinstance(data, dict) or not isinstance(
            data.get("compositeRequest"), list):
        raise _bad_request("The compositeRequest field is required.",
                           "JSON_PARSER_ERROR")
    subs = data["compositeRequest"]
    if len(subs) > 25:
        # Error for >25 subrequests is UNCONFIRMED (reference section 8).
        raise ApiError(400, "LIMIT_EXCEEDED", "Limit Exceeded: a composite "
                       "request can have at most 25 subrequests.")
    seen = set()
    for sub in subs:
        ref = sub.get("referenceId") if isinstance(sub, dict) else None
        if not isinstance(sub, dict) or sub.get("method") not in _METHODS:
            raise _bad_request("Invalid or missing HTTP method: %s"
                               % (sub.get("method") if isinstance(sub, dict)
                                  else sub), "INVALID_API_INPUT")
        if not isinstance(sub.get("url"), str) or not \
                sub["url"].startswith("/services/data/v"):
            raise _bad_request("The URL must start with /services/data/vXX.X"
                               "/: %s" % sub.get("url"), "INVALID_API_INPUT")
        if not isinstance(ref, str) or not _REF_ID.match(ref):
            raise _bad_request("Invalid referenceId: %s" % ref,
                               "INVALID_API_INPUT")
        if ref in seen:
            raise _bad_request("Duplicate referenceId provided in the "
                               "request: %s" % ref, "INVALID_API_INPUT")
        seen.add(ref)
    all_or_none = bool(data.get("allOrNone", False))
    ctx.txn = Txn() if all_or_none else None
    out, results, failed = [], {}, False
    for sub in subs:
        ref = sub["referenceId"]
        if failed and all_or_none:
            out.append(_item(400, {}, _halted(ROLLED_BACK), ref))
            continue
        try:
            url = _substitute(sub["url"], results, ctx.version)
            body = _substitute(sub.get("body"), results, ctx.version)
        except _RefMissing as e:
            out.append(_item(400, {}, _halted(_ref_message(str(e))), ref))
            failed = True
            continue
        collection = "/composite/sobjects" in url.split("?")[0]
        if all_or_none and collection and isinstance(body, dict):
            # An all-or-none composite overrides the allOrNone of its
            # sObject Collections subrequests ("allOrNone Parameters in
            # Composite and Collections Requests", case 3/4).
            body = dict(body, allOrNone=True)
        status, headers, obj = _sub_call(ctx, sub["method"], url, body)
        if status < 400 and collection and isinstance(obj, list) and any(
                isinstance(r, dict) and r.get("success") is False
                for r in obj):
            # a collection with a failed record fails the composite; the
            # body of a rolled-back collection subrequest is UNCONFIRMED
            failed = True
        elif status < 400:
            results[ref] = obj
        else:
            failed = True
        out.append(_item(status, headers, obj, ref))
    if failed and all_or_none:
        ctx.txn.rollback()
        for item in out:
            if item["httpStatusCode"] < 400:
                item.update(_item(400, {}, _halted(ROLLED_BACK),
                                  item["referenceId"]))
    ctx.txn = None
    return web.json_response(200, {"compositeResponse": out})


def _item(status, headers, body, ref):
    return {"body": body, "httpHeaders": headers, "httpStatusCode": status,
            "referenceId": ref}


# ---- /composite/batch -------------------------------------------------------
def _batch(ctx, data):
    if not isinstance(data, dict) or not isinstance(
            data.get("batchRequests"), list):
        raise _bad_request("The batchRequests field is required.",
                           "JSON_PARSER_ERROR")
    reqs = data["batchRequests"]
    if len(reqs) > 25:
        raise ApiError(400, "LIMIT_EXCEEDED", "Limit Exceeded: a batch "
                       "request can have at most 25 subrequests.")
    halt = bool(data.get("haltOnError", False))
    org = ctx.org
    results, has_errors, halted = [], False, False
    for i, br in enumerate(reqs):
        if halted:
            results.append({"statusCode": 412, "result": [{
                "errorCode": "BATCH_PROCESSING_HALTED",
                "message": "Batch processing halted per request"}]})
            continue
        # Every subrequest counts against the API limit (reference 2.7);
        # the batch call itself already counted as the first one.
        if i > 0:
            if org.api_usage >= org.api_max:
                err = ApiError(403, "REQUEST_LIMIT_EXCEEDED",
                               "TotalRequests Limit exceeded.")
                results.append({"statusCode": 403, "result": err.body()})
                has_errors = True
                halted = halt
                continue
            org.api_usage += 1
        method = str(br.get("method", "")).upper()
        url = br.get("url") or ""
        status, _, obj = _sub_call(ctx, method, url, br.get("richInput"))
        results.append({"statusCode": status, "result": obj})
        if status >= 400:
            has_errors = True
            halted = halt
    return web.json_response(200, {"hasErrors": has_errors,
                                   "results": results})


# ---- /composite/sobjects ----------------------------------------------------
ROLLBACK_ERROR = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                  "message": "Record rolled back because not all records "
                  "were valid and the request was using AllOrNone header",
                  "fields": []}


def _collections(ctx, method, parts, query, body):
    if not parts:
        _allow(method, "POST", "PATCH", "DELETE")
        if method == "DELETE":
            return _coll_delete(ctx, query)
        data = _parse(body)
        return _coll_save(ctx, method, data, None)
    obj = shapes.scoped_state(ctx).schema.get(parts[0])
    if obj is None:
        raise ApiError(404, "NOT_FOUND",
                       "The requested resource does not exist")
    if len(parts) == 1:
        _allow(method, "GET", "POST")
        return _coll_retrieve(ctx, method, obj, query, body)
    if len(parts) == 2:
        _allow(method, "PATCH")
        fld = obj.field(parts[1])
        if fld is None or not fld.external:
            raise ApiError(404, "NOT_FOUND", "Provided external ID field "
                           "does not exist or is not accessible: %s"
                           % parts[1])
        return _coll_save(ctx, method, _parse(body), (obj, fld))
    raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def _check_size(items, what="records"):
    if len(items) > 200:
        # Wording UNCONFIRMED.
        raise ApiError(400, "EXCEEDED_ID_LIMIT", "record limit reached. "
                       "cannot submit more than 200 %s into this call"
                       % what)


def _coll_save(ctx, method, data, upsert_key):
    if not isinstance(data, dict) or not isinstance(data.get("records"),
                                                    list):
        raise _bad_request("The records field is required.",
                           "JSON_PARSER_ERROR")
    recs = data["records"]
    _check_size(recs)
    # An outer composite allOrNone:true overrides the collection's flag.
    all_or_none = bool(data.get("allOrNone", False)) or ctx.txn is not None
    outer, ctx.txn = ctx.txn, Txn()
    results, any_failed = [], False
    for r in recs:
        try:
            results.append(_save_one(ctx, method, r, upsert_key))
        except ApiError as e:
            any_failed = True
            res = {"success": False, "errors": e.save_errors()}
            rid = (r.get("id") or r.get("Id")) if isinstance(r, dict) \
                else None
            if method == "PATCH" and upsert_key is None and rid:
                res = {"id": rid, **res}
            results.append(res)
    txn, ctx.txn = ctx.txn, outer
    if any_failed and all_or_none:
        txn.rollback()
        for i, res in enumerate(results):
            if res["success"]:
                results[i] = {"success": False, "errors": [ROLLBACK_ERROR]}
                if "id" in res and method == "PATCH" and upsert_key is None:
                    results[i] = {"id": res["id"], **results[i]}
    elif outer is not None:
        outer.undo.extend(txn.undo)
    return web.json_response(200, results)


def _record_type(ctx, r, expected=None):
    if not isinstance(r, dict):
        raise ApiError(400, "INVALID_FIELD", "Each record must be an object")
    t = (r.get("attributes") or {}).get("type")
    obj = ctx.state.schema.get(t) if t else expected
    if obj is None:
        # UNCONFIRMED wording.
        raise ApiError(400, "INVALID_TYPE", "Must specify a valid type in "
                       "the attributes field: %s" % t if t else
                       "Must specify a type in the attributes field")
    return obj


def _save_one(ctx, method, r, upsert_key):
    import rest     # rest imports this module
    if upsert_key is not None:
        obj, fld = upsert_key
        _record_type(ctx, r, obj)
        value = r.get(fld.name)
        if value in (None, ""):
            raise ApiError(400, "MISSING_ARGUMENT", "%s not specified"
                           % fld.name, [])
        matches = records.find_by_field(ctx.org, obj.name, fld.name, value)
        if len(matches) > 1:
            raise ApiError(300, "DUPLICATE_EXTERNAL_ID", "%s: more than one "
                           "record found for external id field: [%s]"
                           % (fld.name, ", ".join(m["Id"] for m in matches)),
                           [])
        body = {k: v for k, v in r.items() if k != "attributes"}
        resp = rest.upsert(ctx, obj, fld, value, matches, body)
        out = dict(resp.obj) if resp.obj else {
            "id": matches[0]["Id"], "success": True, "errors": []}
        out.setdefault("created", resp.status == 201)
        return out
    obj = _record_type(ctx, r)
    body = {k: v for k, v in r.items() if k != "attributes"}
    if method == "POST":
        return {"id": rest.create(ctx, obj, body), "success": True,
                "errors": []}
    rid = body.pop("id", None) or body.pop("Id", None)
    if not rid:
        raise ApiError(400, "MISSING_ARGUMENT",
                       "Id not specified in an update call", [])
    norm = ids.normalize(rid)
    if norm is None or norm[:3] != obj.key_prefix:
        raise ApiError(400, "MALFORMED_ID", "%s ID: id value of incorrect "
                       "type: %s" % (obj.label, rid), ["Id"])
    rec = ctx.org.table(obj.name).get(norm)
    if rec is None or rec.get("IsDeleted"):
        raise ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", [])
    rest.update(ctx, obj, rec, body)
    return {"id": norm, "success": True, "errors": []}


def _coll_delete(ctx, query):
    import rest
    id_list = [x for x in (query.get("ids", [""])[0]).split(",") if x]
    _check_size(id_list, "ids")
    all_or_none = query.get("allOrNone", ["false"])[0].lower() == "true" \
        or ctx.txn is not None
    outer, ctx.txn = ctx.txn, Txn()
    results, any_failed = [], False
    for raw in id_list:
        norm = ids.normalize(raw)
        obj = ctx.state.schema.by_prefix.get(norm[:3]) if norm else None
        if obj is None:
            any_failed = True
            results.append({"success": False, "errors": [{
                "statusCode": "MALFORMED_ID", "message": "malformed id %s"
                % raw, "fields": []}]})
            continue
        rec = ctx.org.table(obj.name).get(norm)
        if rec is None or rec.get("IsDeleted") or not obj.deletable:
            any_failed = True
            results.append({"id": norm, "success": False, "errors": [{
                "statusCode": "ENTITY_IS_DELETED",
                "message": "entity is deleted", "fields": []}]})
            continue
        try:
            rest.delete(ctx, obj, rec)
        except ApiError as e:       # e.g. a user with read access only
            any_failed = True
            results.append({"id": norm, "success": False,
                            "errors": e.save_errors()})
            continue
        results.append({"id": norm, "success": True, "errors": []})
    txn, ctx.txn = ctx.txn, outer
    if any_failed and all_or_none:
        txn.rollback()
        for i, res in enumerate(results):
            if res["success"]:
                results[i] = {"id": res["id"], "success": False,
                              "errors": [ROLLBACK_ERROR]}
    elif outer is not None:
        outer.undo.extend(txn.undo)
    return web.json_response(200, results)


def _coll_retrieve(ctx, method, obj, query, body):
    import rest
    if method == "POST":
        data = _parse(body)
        id_list = data.get("ids") or [] if isinstance(data, dict) else []
        names = data.get("fields") or [] if isinstance(data, dict) else []
        fields_text = ",".join(names)
        limit = 2000
    else:
        id_list = [x for x in query.get("ids", [""])[0].split(",") if x]
        fields_text = query.get("fields", [""])[0]
        limit = 800
    if not fields_text.strip():
        # UNCONFIRMED wording.
        raise ApiError(400, "MISSING_ARGUMENT",
                       "The fields parameter is required")
    if len(id_list) > limit:
        raise ApiError(400, "EXCEEDED_ID_LIMIT", "too many ids: at most %d "
                       "are allowed" % limit)
    names = rest.field_list(obj, fields_text)
    out = []
    for raw in id_list:
        norm = ids.normalize(raw)
        rec = ctx.org.table(obj.name).get(norm) if norm else None
        if rec is None or rec.get("IsDeleted"):
            out.append(None)
        else:
            out.append(records.render(obj, rec, ctx.version, names))
    return web.json_response(200, out)
