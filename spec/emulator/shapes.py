"""What an org does to a write beyond the field checks: picklists as an
admin customised them (labels, inactive values, dependencies), validation
rules, duplicate rules, per-user object access and an org whose API is
disabled. Configured under "shapes" in --config (and "api_enabled",
"object_access") and changed with POST /__emulator/shapes; see README.md,
"Org shapes"."""

import base64
import copy
import re

from store import ApiError, raise_all

API_DISABLED = ("API is not enabled for this Organization or Partner")
# The wording of the refusals to a read-only user is UNCONFIRMED (README).
NO_CREATE = ("You do not have the level of access necessary to perform the "
             "operation you requested. Please contact the owner of the "
             "record or your administrator if access is necessary.")
NO_EDIT = "insufficient access rights on object id"
BLOCK_MESSAGE = "Use one of these records?"
ALERT_MESSAGE = ("You're creating a duplicate record. We recommend you use "
                 "an existing record instead.")
ACCESS_LEVELS = ("none", "read", "edit")
OPS = ("blank", "equals", "not_equals", "in", "not_in", "matches",
       "not_matches", "less_than", "greater_than")
KINDS = ("picklists", "validation_rules", "duplicate_rules")
# An Opportunity stage may also say what it implies (records.stage_values).
ENTRY_KEYS = ("value", "label", "active", "default", "valid_for",
              "probability", "closed", "won", "forecast_category")
FORECASTS = (None, "Omitted", "Pipeline", "BestCase", "MostLikely",
             "Forecast", "Closed")


# ---- configuration ----------------------------------------------------------
def _check_entry(where, e):
    if isinstance(e, str):
        e = {"value": e}
    unknown = set(e) - set(ENTRY_KEYS)
    if unknown or not isinstance(e.get("value"), str):
        raise ValueError("%s: a value is {%s}" % (where,
                                                  ", ".join(ENTRY_KEYS)))
    out = {"value": e["value"], "label": e.get("label", e["value"]),
           "active": bool(e.get("active", True)),
           "default": bool(e.get("default", False)),
           "valid_for": e.get("valid_for")}
    if e.get("probability") is not None:
        if not isinstance(e["probability"], (int, float)) or \
                e.get("forecast_category") not in FORECASTS:
            raise ValueError("%s: probability is a number; forecast_category"
                             " one of %s" % (where, FORECASTS[1:]))
        out.update(probability=float(e["probability"]),
                   closed=bool(e.get("closed")), won=bool(e.get("won")),
                   forecast_category=e.get("forecast_category"))
    return out


def _check_picklist(schema, obj_name, fname, spec):
    obj = schema.get(obj_name)
    fld = obj.field(fname) if obj else None
    where = "picklists.%s.%s" % (obj_name, fname)
    if fld is None or fld.type not in ("picklist", "multipicklist"):
        raise ValueError("%s: no such picklist field" % where)
    if isinstance(spec, list):
        spec = {"values": spec}
    unknown = set(spec) - {"values", "controller", "restricted"}
    if unknown:
        raise ValueError("%s: unknown keys %s" % (where, sorted(unknown)))
    values = [_check_entry(where, e) for e in spec.get("values", [])]
    ctl = spec.get("controller")
    if ctl is not None:
        cfld = obj.field(ctl)
        if cfld is None or cfld.type not in ("picklist", "boolean"):
            raise ValueError("%s: controller %r is not a picklist or "
                             "checkbox" % (where, ctl))
        if any(not isinstance(e["valid_for"], list) for e in values):
            raise ValueError("%s: every value of a dependent picklist needs "
                             "valid_for (controlling values)" % where)
    return {"values": values, "controller": ctl,
            "restricted": spec.get("restricted")}


def _check_condition(where, c):
    ops = [k for k in c if k != "field"]
    if not isinstance(c.get("field"), str) or len(ops) != 1 or \
            ops[0] not in OPS:
        raise ValueError("%s: a condition is {field, <one of %s>}"
                         % (where, ", ".join(OPS)))
    if ops[0] in ("matches", "not_matches"):
        re.compile(c[ops[0]])


def _check_rules(kind, obj_name, rules):
    where = "%s.%s" % (kind, obj_name)
    keys = {"validation_rules": {"name", "field", "message", "when",
                                 "active"},
            "duplicate_rules": {"name", "match_rule", "fields", "action",
                                "message", "operations", "match_engine",
                                "active"}}[kind]
    out = []
    for i, r in enumerate(rules):
        at = "%s[%d]" % (where, i)
        if not isinstance(r, dict) or set(r) - keys:
            raise ValueError("%s: keys are %s" % (at, sorted(keys)))
        if kind == "validation_rules":
            if not isinstance(r.get("message"), str) or \
                    not isinstance(r.get("when"), list) or not r["when"]:
                raise ValueError("%s: needs message and when" % at)
            for c in r["when"]:
                _check_condition(at, c)
        else:
            if not r.get("fields") or r.get("action", "block") not in (
                    "block", "allow"):
                raise ValueError("%s: needs fields; action block|allow" % at)
        out.append(dict(r))
    return out


def normalize(schema, raw):
    """The "shapes" of --config or of POST /__emulator/shapes, checked
    against the schema; raise ValueError."""
    raw = raw or {}
    unknown = set(raw) - set(KINDS) - {"org"}
    if unknown:
        raise ValueError("shapes: unknown keys %s" % sorted(unknown))
    out = {k: {} for k in KINDS}
    for obj_name, fields in (raw.get("picklists") or {}).items():
        for fname, spec in fields.items():
            out["picklists"].setdefault(obj_name, {})[fname] = \
                _check_picklist(schema, obj_name, fname, spec)
    for kind in ("validation_rules", "duplicate_rules"):
        for obj_name, rules in (raw.get(kind) or {}).items():
            obj = schema.get(obj_name)
            if obj is None:
                raise ValueError("%s: unknown object %r" % (kind, obj_name))
            out[kind][obj.name] = _check_rules(kind, obj.name, rules)
    return out


def check_access(schema, access):
    """A user's object_access, object names canonical; raise ValueError."""
    out = {}
    for name, level in access.items():
        obj = schema.get(name)
        if obj is None or level not in ACCESS_LEVELS:
            raise ValueError("object_access: %r: %r (levels: %s)" % (
                name, level, ", ".join(ACCESS_LEVELS)))
        out[obj.name] = level
    return out


def check_config(schema, cfg):
    """Check the shapes and the users' object access of a loaded --config
    against the schema; raise ValueError."""
    normalize(schema, cfg["shapes"])
    for org in cfg["orgs"]:
        for user in org["users"]:
            user["object_access"] = check_access(
                schema, user.get("object_access") or {})


def merge(current, given):
    """Replace, object by object (and field by field for picklists), what
    given names; [] or {} for an object removes its shapes."""
    out = copy.deepcopy(current)
    for kind in KINDS:
        for obj_name, v in given[kind].items():
            if kind == "picklists":
                out[kind].setdefault(obj_name, {}).update(v)
            else:
                out[kind][obj_name] = v
    return out


def apply_picklists(schema, shapes):
    """Put the configured picklists in the schema's fields (the built-in
    values are restored first, so that a reset undoes them)."""
    schema.restore_picklists()
    for obj_name, fields in shapes["picklists"].items():
        obj = schema.get(obj_name)
        for fname, spec in fields.items():
            schema.set_picklist(obj.field(fname), spec)


def valid_for(controller, allowed):
    """Salesforce's validFor: a bitmap over the controlling field's values
    as describe lists them (bit i, most significant first, set when the
    value is valid for the i-th controlling value; false and true for a
    checkbox), base64. One byte per 8 controlling values: UNCONFIRMED."""
    if controller.type == "boolean":
        ctl_values = [False, True]
    else:
        ctl_values = [e["value"] for e in controller.entries()
                      if e["active"]]
    bits = bytearray((len(ctl_values) + 7) // 8 or 1)
    for i, v in enumerate(ctl_values):
        if v in allowed:
            bits[i // 8] |= 0x80 >> (i % 8)
    return base64.b64encode(bytes(bits)).decode("ascii")


def dependent_problems(obj, rec, changed):
    """The errors of a save whose restricted dependent picklist value is
    not valid for its controlling value (one set in this save, or whose
    controller changed): INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST, as for
    any value the picklist does not allow. An unrestricted one is not
    checked (the API does not enforce dependencies there)."""
    out = []
    for fld in obj.fields:
        if fld.controller is None or not fld.restricted:
            continue
        value = rec.get(fld.name)
        if value is None or not (fld.name in changed or
                                 fld.controller in changed):
            continue
        entry = next((e for e in fld.entries() if e["value"] == value),
                     None)
        if entry is None or rec.get(fld.controller) not in \
                (entry["valid_for"] or []):
            out.append(ApiError(
                400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                "%s: bad value for restricted picklist field: %s"
                % (fld.label, value), [fld.name]))
    return out


# ---- who may do what --------------------------------------------------------
def access(ctx, obj):
    """The calling user's access to obj: "edit" (the default), "read" or
    "none"."""
    return user_access(ctx).get(obj.name, "edit")


def check_api(org):
    if org.cfg.get("api_enabled") is False:
        raise ApiError(403, "API_DISABLED_FOR_ORG", API_DISABLED)


def check_write(ctx, obj, creating):
    level = access(ctx, obj)
    if level == "none":
        raise ApiError(404, "NOT_FOUND",
                       "The requested resource does not exist")
    if level == "read":
        raise ApiError(400, "INSUFFICIENT_ACCESS_OR_READONLY",
                       NO_CREATE if creating else NO_EDIT, [])


class SchemaView:
    """The schema as one user sees it: objects without read access are
    not there (describe, describeGlobal, SOQL, SOSL)."""

    def __init__(self, schema, hidden):
        self._schema = schema
        self._hidden = hidden

    def __getattr__(self, name):
        return getattr(self._schema, name)

    def get(self, name):
        obj = self._schema.get(name)
        return None if obj is None or obj.name in self._hidden else obj

    def names(self):
        return [n for n in self._schema.names() if n not in self._hidden]

    def child_relationship(self, parent, name):
        found = self._schema.child_relationship(parent, name)
        return None if found and found[0].name in self._hidden else found


class StateView:
    """The state with the user's SchemaView in place of the schema."""

    def __init__(self, state, schema):
        self._state = state
        self.schema = schema

    def __getattr__(self, name):
        return getattr(self._state, name)


def user_access(ctx):
    user = ctx.state.user_cfg(ctx.org, ctx.user_id)
    return user.get("object_access") or {}


def scoped_state(ctx):
    """ctx.state, or a view of it hiding the objects the user cannot
    read."""
    hidden = {n for n, lvl in user_access(ctx).items() if lvl == "none"}
    if not hidden:
        return ctx.state
    return StateView(ctx.state, SchemaView(ctx.state.schema, hidden))


def describe_flags(ctx, obj, d):
    """A describe (or describeGlobal entry) of obj as the user sees it."""
    if access(ctx, obj) == "read":
        for k in ("createable", "updateable", "deletable", "undeletable",
                  "mergeable"):
            if k in d:
                d[k] = False
    return d


# ---- validation rules -------------------------------------------------------
def _blank(v):
    return v is None or v == ""


def _holds(c, rec):
    op = next(k for k in c if k != "field")
    want, v = c[op], rec.get(c["field"])
    if op == "blank":
        return _blank(v) == bool(want)
    if op == "equals":
        return v == want
    if op == "not_equals":
        return v != want
    if op == "in":
        return v in want
    if op == "not_in":
        return v not in want
    if op in ("matches", "not_matches"):
        hit = re.fullmatch(want, "" if v is None else str(v)) is not None
        return hit == (op == "matches")
    if v is None or isinstance(v, bool):
        return False
    try:
        return v < want if op == "less_than" else v > want
    except TypeError:
        return False


def check_validation(state, obj, rec):
    """Every active rule of obj whose conditions all hold on rec is an
    error (Salesforce reports each failing rule)."""
    problems = []
    for r in state.shapes["validation_rules"].get(obj.name, []):
        if r.get("active", True) and all(_holds(c, rec) for c in r["when"]):
            problems.append(ApiError(
                400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", r["message"],
                [r["field"]] if r.get("field") else []))
    raise_all(problems)


# ---- duplicate rules --------------------------------------------------------
class DuplicateError(ApiError):
    """DUPLICATES_DETECTED with Salesforce's duplicateResult."""

    def __init__(self, message, result):
        super().__init__(400, "DUPLICATES_DETECTED", message, [])
        self.result = result

    def body(self):
        return [{"duplicateResult": self.result,
                 "errorCode": self.code, "message": self.message}]


def _header_options(headers):
    """Sforce-Duplicate-Rule-Header: allowSave=true; includeRecordDetails=
    true; runAsCurrentUser=true -> {"allowsave": True, ...}."""
    out = {}
    for part in (headers.get("sforce-duplicate-rule-header") or "").split(
            ";"):
        k, _, v = part.partition("=")
        if k.strip():
            out[k.strip().lower()] = v.strip().lower() == "true"
    return out


def _norm(v):
    return v.strip().lower() if isinstance(v, str) else v


def _matches(org, obj, rule, rec):
    fields = rule["fields"]
    if any(_blank(rec.get(f)) for f in fields):
        return []
    want = [_norm(rec.get(f)) for f in fields]
    out = []
    for other in org.table(obj.name).values():
        if other.get("IsDeleted") or other["Id"] == rec.get("Id"):
            continue
        if [_norm(other.get(f)) for f in fields] == want:
            out.append(other)
    return out


def _match_record(obj, other, rule, version, details):
    record = {"attributes": {"type": obj.name, "url":
                             "/services/data/v%s/sobjects/%s/%s"
                             % (version, obj.name, other["Id"])},
              "Id": other["Id"]}
    if details:
        for f in [obj.name_field] + list(rule["fields"]):
            record[f] = other.get(f)
    return {"additionalInformation": [], "fieldDiffs": [],
            "matchConfidence": 100.0, "record": record}


def check_duplicates(ctx, obj, rec, creating):
    """The first active rule of obj that finds duplicates of rec refuses
    the save: always for a blocking rule, for an alerting one unless the
    request says allowSave=true."""
    opts = _header_options(ctx.headers)
    op = "create" if creating else "update"
    for rule in ctx.state.shapes["duplicate_rules"].get(obj.name, []):
        if not rule.get("active", True) or \
                op not in rule.get("operations", ["create", "update"]):
            continue
        found = _matches(ctx.org, obj, rule, rec)
        if not found:
            continue
        allow = rule.get("action", "block") == "allow"
        if allow and opts.get("allowsave"):
            continue
        message = rule.get("message") or (ALERT_MESSAGE if allow
                                          else BLOCK_MESSAGE)
        name = rule.get("name") or "Standard_%s_Duplicate_Rule" % obj.name
        details = opts.get("includerecorddetails", False)
        raise DuplicateError(message, {
            "allowSave": allow,
            "duplicateRule": name,
            "duplicateRuleEntityType": obj.name,
            "errorMessage": message,
            "matchResults": [{
                "entityType": obj.name, "errors": [],
                "matchEngine": rule.get("match_engine", "FuzzyMatchEngine"),
                "matchRecords": [_match_record(obj, o, rule, ctx.version,
                                               details) for o in found],
                "rule": rule.get("match_rule")
                or "Standard_%s_Match_Rule_v1_0" % obj.name,
                "size": len(found), "success": True}]})


def check_save(ctx, obj, rec, creating):
    """What the org runs after the system checks: validation rules, then
    duplicate rules."""
    check_validation(ctx.state, obj, rec)
    check_duplicates(ctx, obj, rec, creating)
