"""REST discovery, describe, record CRUD, upsert, errors, limits and the
Organization record, against the default configuration."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulib import EmulatorTestCase, V  # noqa: E402

LEAD = {"FirstName": "Jane", "LastName": "Doe", "Company": "Acme"}


class Discovery(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.tok = self.emu.password_token()

    def test_versions_need_no_auth_and_no_limit_header(self):
        r = self.emu.request("GET", "/services/data/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["content-type"],
                         "application/json;charset=UTF-8")
        self.assertNotIn("sforce-limit-info", r.headers)
        body = r.json
        self.assertEqual(body[0], {"label": "Summer '14",
                                   "url": "/services/data/v31.0",
                                   "version": "31.0"})
        self.assertEqual(body[-1], {"label": "Winter '25",
                                    "url": "/services/data/v62.0",
                                    "version": "62.0"})
        self.assertNotIn(b'", "', r.body)     # compact JSON
        self.assertNotIn(b'": "', r.body)

    def test_resources_map(self):
        r = self.emu.get("/", self.tok)
        self.assertEqual(r.status, 200)
        body = r.json
        self.assertEqual(body["sobjects"], "/services/data/%s/sobjects" % V)
        self.assertEqual(body["query"], "/services/data/%s/query" % V)
        self.assertTrue(body["identity"].startswith(self.emu.base + "/id/"))
        self.assertEqual(r.headers["sforce-limit-info"], "api-usage=1/15000")

    def test_retired_and_unknown_versions(self):
        r = self.emu.request("GET", "/services/data/v30.0/sobjects",
                             token=self.tok)
        self.assertEqual(r.status, 410)
        self.assertError(self.emu.request("GET", "/services/data/v99.0/",
                                          token=self.tok),
                         404, "NOT_FOUND",
                         "The requested resource does not exist")

    def test_describe_global(self):
        r = self.emu.get("/sobjects", self.tok)
        body = r.json
        self.assertEqual(body["encoding"], "UTF-8")
        self.assertEqual(body["maxBatchSize"], 200)
        names = {o["name"]: o for o in body["sobjects"]}
        for n, prefix in [("Lead", "00Q"), ("Opportunity", "006"),
                          ("Account", "001"), ("Contact", "003"),
                          ("User", "005"), ("Organization", "00D")]:
            self.assertEqual(names[n]["keyPrefix"], prefix)
        self.assertEqual(names["Lead"]["urls"]["rowTemplate"],
                         "/services/data/%s/sobjects/Lead/{ID}" % V)

    def test_describe_lead(self):
        body = self.emu.get("/sobjects/Lead/describe", self.tok).json
        self.assertEqual(body["name"], "Lead")
        self.assertEqual(body["keyPrefix"], "00Q")
        f = {x["name"]: x for x in body["fields"]}
        self.assertEqual((f["LastName"]["type"], f["LastName"]["length"],
                          f["LastName"]["nillable"]), ("string", 80, False))
        self.assertEqual(f["Company"]["length"], 255)
        self.assertFalse(f["Company"]["nillable"])
        self.assertEqual(f["Email"]["type"], "email")
        self.assertEqual(f["Status"]["defaultValue"], "Open - Not Contacted")
        self.assertTrue(f["Status"]["defaultedOnCreate"])
        self.assertEqual([p["value"] for p in f["Status"]["picklistValues"]],
                         ["Open - Not Contacted", "Working - Contacted",
                          "Closed - Converted", "Closed - Not Converted"])
        self.assertIn("Food & Beverage", [p["value"] for p in
                                          f["Industry"]["picklistValues"]])
        self.assertFalse(f["Name"]["createable"])
        self.assertEqual(f["AnnualRevenue"]["type"], "currency")
        self.assertEqual(f["OwnerId"]["referenceTo"], ["User"])
        required = [x["name"] for x in body["fields"] if x["createable"]
                    and not x["nillable"] and not x["defaultedOnCreate"]]
        self.assertEqual(required, ["LastName", "Company"])

    def test_describe_each_object(self):
        expect = {"Opportunity": ["Name", "StageName", "CloseDate"],
                  "Account": ["Name"], "Contact": ["LastName"]}
        for name in ("Opportunity", "Account", "Contact", "User",
                     "Organization"):
            body = self.emu.get("/sobjects/%s/describe/" % name,
                                self.tok).json
            self.assertEqual(body["name"], name)
            required = [x["name"] for x in body["fields"] if x["createable"]
                        and not x["nillable"] and not x["defaultedOnCreate"]]
            if name in expect:
                self.assertEqual(required, expect[name], name)
        opp = self.emu.get("/sobjects/Opportunity/describe", self.tok).json
        f = {x["name"]: x for x in opp["fields"]}
        self.assertEqual(f["CloseDate"]["type"], "date")
        self.assertEqual(f["Amount"]["scale"], 2)
        self.assertEqual(f["Probability"]["type"], "percent")
        self.assertIn("Negotiation/Review",
                      [p["value"] for p in f["StageName"]["picklistValues"]])

    def test_describe_unknown_object(self):
        self.assertError(self.emu.get("/sobjects/Nope/describe", self.tok),
                         404, "NOT_FOUND",
                         "The requested resource does not exist")

    def test_describe_if_modified_since(self):
        r = self.emu.get("/sobjects/Lead/describe", self.tok,
                         headers={"If-Modified-Since":
                                  "Fri, 01 Jan 2100 00:00:00 GMT"})
        self.assertEqual(r.status, 304)
        self.assertEqual(r.body, b"")

    def test_basic_info_recent_items(self):
        new = self.emu.post("/sobjects/Lead", self.tok, LEAD).json["id"]
        body = self.emu.get("/sobjects/Lead", self.tok).json
        self.assertEqual(body["objectDescribe"]["keyPrefix"], "00Q")
        self.assertEqual(body["recentItems"][0]["Id"], new)
        self.assertEqual(body["recentItems"][0]["Name"], "Jane Doe")
        self.assertEqual(body["recentItems"][0]["attributes"]["url"],
                         "/services/data/%s/sobjects/Lead/%s" % (V, new))
        recent = self.emu.get("/recent?limit=5", self.tok).json
        self.assertEqual(recent[0]["Id"], new)
        self.assertEqual(recent[0]["attributes"]["type"], "Lead")


class Auth(EmulatorTestCase):
    def test_missing_and_bad_tokens(self):
        # no header at all is not a stale session: INVALID_AUTH_HEADER,
        # which a client must not answer with a refresh
        self.assertError(self.emu.get("/sobjects", None), 401,
                         "INVALID_AUTH_HEADER", "INVALID_HEADER_TYPE")
        self.assertError(self.emu.get("/sobjects", "00Dxx!bogus"), 401,
                         "INVALID_SESSION_ID", "Session expired or invalid")
        r = self.emu.request("GET", "/services/data/%s/sobjects" % V,
                             headers={"Authorization": "Basic abc"})
        self.assertError(r, 401, "INVALID_AUTH_HEADER", "INVALID_HEADER_TYPE")

    def test_oauth_scheme_accepted(self):
        tok = self.emu.password_token()
        r = self.emu.request("GET", "/services/data/%s/limits" % V,
                             headers={"Authorization": "OAuth " + tok})
        self.assertEqual(r.status, 200)

    def test_request_limit_exceeded(self):
        tok = self.emu.password_token()
        self.emu.control("POST", "/limits", {"max": 3, "used": 1})
        r = self.emu.get("/limits", tok)
        self.assertEqual(r.headers["sforce-limit-info"], "api-usage=2/3")
        self.assertEqual(r.json["DailyApiRequests"],
                         {"Max": 3, "Remaining": 1})
        self.assertEqual(self.emu.get("/limits", tok).status, 200)
        r = self.emu.get("/limits", tok)
        self.assertError(r, 403, "REQUEST_LIMIT_EXCEEDED",
                         "TotalRequests Limit exceeded.")
        self.assertEqual(r.headers["sforce-limit-info"], "api-usage=3/3")


class Records(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.tok = self.emu.password_token()

    def create(self, obj="Lead", data=None):
        r = self.emu.post("/sobjects/%s" % obj, self.tok, data or LEAD)
        self.assertEqual(r.status, 201, r)
        return r.json["id"]

    def test_create_get_update_delete(self):
        r = self.emu.post("/sobjects/Lead/", self.tok, dict(
            LEAD, Email="jane@example.com", NumberOfEmployees=12,
            AnnualRevenue=1000))
        self.assertEqual(r.status, 201)
        body = r.json
        self.assertEqual(list(body), ["id", "success", "errors"])
        self.assertEqual((body["success"], body["errors"]), (True, []))
        lead_id = body["id"]
        self.assertEqual(len(lead_id), 18)
        self.assertTrue(lead_id.startswith("00Q"))
        rec = self.emu.get("/sobjects/Lead/" + lead_id, self.tok).json
        self.assertEqual(rec["attributes"], {
            "type": "Lead",
            "url": "/services/data/%s/sobjects/Lead/%s" % (V, lead_id)})
        self.assertEqual(rec["Name"], "Jane Doe")
        self.assertEqual(rec["Status"], "Open - Not Contacted")
        self.assertEqual(rec["AnnualRevenue"], 1000.0)
        self.assertEqual(rec["NumberOfEmployees"], 12)
        self.assertIs(rec["IsConverted"], False)
        self.assertIsNone(rec["Phone"])
        self.assertRegex(rec["CreatedDate"],
                         r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
        r = self.emu.patch("/sobjects/Lead/" + lead_id, self.tok,
                           {"Status": "Working - Contacted", "Phone": "555"})
        self.assertEqual((r.status, r.body), (204, b""))
        r = self.emu.get("/sobjects/Lead/%s?fields=Status,phone" % lead_id,
                         self.tok)
        self.assertEqual(list(r.json), ["attributes", "Status", "Phone",
                                        "Id"])
        self.assertEqual(r.json["Status"], "Working - Contacted")
        r = self.emu.delete("/sobjects/Lead/" + lead_id, self.tok)
        self.assertEqual((r.status, r.body), (204, b""))
        self.assertError(self.emu.get("/sobjects/Lead/" + lead_id, self.tok),
                         404, "ENTITY_IS_DELETED", "entity is deleted")
        self.assertError(self.emu.delete("/sobjects/Lead/" + lead_id,
                                         self.tok), 404, "ENTITY_IS_DELETED")

    def test_ids_15_and_case_insensitive_18(self):
        lead_id = self.create()
        self.assertEqual(self.emu.get("/sobjects/Lead/" + lead_id[:15],
                                      self.tok).json["Id"], lead_id)
        mangled = lead_id[:15] + lead_id[15:].lower()
        self.assertEqual(self.emu.get("/sobjects/Lead/" + mangled,
                                      self.tok).status, 200)

    def test_bad_ids(self):
        acc = self.create("Account", {"Name": "Acme"})
        err = self.assertError(self.emu.get("/sobjects/Lead/" + acc,
                                            self.tok), 400, "MALFORMED_ID")
        self.assertEqual(err["message"],
                         "Lead ID: id value of incorrect type: " + acc)
        self.assertEqual(err["fields"], ["Id"])
        self.assertError(self.emu.get("/sobjects/Lead/00Q5g0000000999ZZZ",
                                      self.tok), 400, "MALFORMED_ID")
        self.assertError(self.emu.get("/sobjects/Lead/00Q5g0000000999EAA",
                                      self.tok), 404, "NOT_FOUND",
                         "The requested resource does not exist")
        self.assertError(self.emu.get("/sobjects/Lead/23foo", self.tok), 404,
                         "NOT_FOUND", "Provided external ID field does not "
                         "exist or is not accessible: 23foo")

    def test_unknown_sobject(self):
        self.assertError(self.emu.post("/sobjects/Foo", self.tok, {}), 404,
                         "NOT_FOUND")

    def test_get_unknown_field(self):
        lead_id = self.create()
        err = self.assertError(self.emu.get(
            "/sobjects/Lead/%s?fields=Name,Bogus" % lead_id, self.tok), 400,
            "INVALID_FIELD")
        self.assertIn("No such column 'Bogus' on entity 'Lead'",
                      err["message"])

    def test_required_fields(self):
        err = self.assertError(self.emu.post("/sobjects/Lead", self.tok,
                                             {"FirstName": "x"}), 400,
                               "REQUIRED_FIELD_MISSING",
                               "Required fields are missing: "
                               "[LastName, Company]")
        self.assertEqual(err["fields"], ["LastName", "Company"])
        lead_id = self.create()
        self.assertError(self.emu.patch("/sobjects/Lead/" + lead_id,
                                        self.tok, {"Company": None}), 400,
                         "REQUIRED_FIELD_MISSING",
                         "Required fields are missing: [Company]")
        self.assertError(self.emu.post("/sobjects/Opportunity", self.tok,
                                       {"Name": "x"}), 400,
                         "REQUIRED_FIELD_MISSING", "Required fields are "
                         "missing: [StageName, CloseDate]")

    def test_field_errors(self):
        self.assertError(self.emu.post("/sobjects/Lead", self.tok,
                                       dict(LEAD, foo=1)), 400,
                         "INVALID_FIELD",
                         "No such column 'foo' on sobject of type Lead")
        err = self.assertError(self.emu.post(
            "/sobjects/Lead", self.tok,
            dict(LEAD, Name="x", IsConverted=True)),
            400, "INVALID_FIELD_FOR_INSERT_UPDATE")
        self.assertEqual(err["fields"], ["Name", "IsConverted"])
        self.assertTrue(err["message"].startswith(
            "Unable to create/update fields: Name, IsConverted."))
        err = self.assertError(self.emu.post(
            "/sobjects/Lead", self.tok, dict(LEAD, Title="x" * 129)), 400,
            "STRING_TOO_LONG")
        self.assertEqual(err["message"], "Title: data value too large: %s "
                         "(max length=128)" % ("x" * 129))
        self.assertEqual(err["fields"], ["Title"])
        self.assertError(self.emu.post("/sobjects/Lead", self.tok,
                                       dict(LEAD, Email="not an email")),
                         400, "INVALID_EMAIL_ADDRESS",
                         "Email: invalid email address: not an email")
        err = self.assertError(self.emu.post(
            "/sobjects/Lead", self.tok, dict(LEAD, NumberOfEmployees="abc")),
            400, "JSON_PARSER_ERROR")
        self.assertIn("Cannot deserialize instance of int from VALUE_STRING "
                      "value abc", err["message"])
        self.assertError(self.emu.post("/sobjects/Lead", self.tok,
                                       dict(LEAD, Status="Bogus")), 400,
                         "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                         "Status: bad value for restricted picklist field: "
                         "Bogus")
        self.assertError(self.emu.post("/sobjects/Opportunity", self.tok, {
            "Name": "o", "StageName": "Prospecting",
            "CloseDate": "2024-13-01"}), 400, "JSON_PARSER_ERROR")
        self.assertError(self.emu.post("/sobjects/Lead", self.tok,
                                       dict(LEAD, OwnerId="bad")), 400,
                         "MALFORMED_ID",
                         "Owner ID: id value of incorrect type: bad")
        self.assertError(self.emu.post("/sobjects/Lead", self.tok,
                                       dict(LEAD, Id="00Q5g0000000001EAA")),
                         400, "INVALID_FIELD_FOR_INSERT_UPDATE")

    def test_body_errors(self):
        r = self.emu.request("POST", "/services/data/%s/sobjects/Lead" % V,
                             body='{"LastName" "x"}', token=self.tok,
                             headers={"Content-Type": "application/json"})
        err = self.assertError(r, 400, "JSON_PARSER_ERROR")
        self.assertTrue(err["message"].startswith(
            "Unexpected character ('\"' (code 34)): was expecting a colon "
            "to separate field name and value at [line:1, column:"))
        r = self.emu.request("POST", "/services/data/%s/sobjects/Lead" % V,
                             token=self.tok)
        self.assertError(r, 400, "JSON_PARSER_ERROR", "The HTTP entity body "
                         "is required, but this request has no entity body.")

    def test_method_not_allowed_and_override(self):
        lead_id = self.create()
        err = self.assertError(self.emu.request(
            "PUT", "/services/data/%s/sobjects/Lead/%s" % (V, lead_id),
            token=self.tok, json_body={}), 405, "METHOD_NOT_ALLOWED")
        self.assertIn("HTTP Method 'PUT' not allowed", err["message"])
        r = self.emu.post("/sobjects/Lead/%s?_HttpMethod=PATCH" % lead_id,
                          self.tok, {"Title": "CEO"})
        self.assertEqual(r.status, 204)
        self.assertEqual(self.emu.get("/sobjects/Lead/%s" % lead_id,
                                      self.tok).json["Title"], "CEO")

    def test_head_and_pretty_print(self):
        lead_id = self.create()
        r = self.emu.request("HEAD", "/services/data/%s/sobjects/Lead/%s"
                             % (V, lead_id), token=self.tok)
        self.assertEqual((r.status, r.body), (200, b""))
        r = self.emu.get("/sobjects/Lead/" + lead_id, self.tok,
                         headers={"X-PrettyPrint": "1"})
        self.assertIn(b'\n  "Id"', r.body)

    def test_opportunity_derived_fields_and_parent(self):
        acc = self.create("Account", {"Name": "Acme", "BillingCity": "Paris"})
        opp = self.create("Opportunity", {
            "Name": "Deal", "StageName": "Negotiation/Review",
            "CloseDate": "2024-05-17", "Amount": 1000, "AccountId": acc})
        rec = self.emu.get("/sobjects/Opportunity/" + opp, self.tok).json
        self.assertEqual((rec["Probability"], rec["ExpectedRevenue"],
                          rec["IsClosed"], rec["ForecastCategoryName"]),
                         (90.0, 900.0, False, "Pipeline"))
        self.assertEqual((rec["FiscalYear"], rec["FiscalQuarter"]), (2024, 2))
        a = self.emu.get("/sobjects/Account/" + acc, self.tok).json
        self.assertEqual(a["BillingAddress"]["city"], "Paris")
        self.assertError(self.emu.post("/sobjects/Opportunity", self.tok, {
            "Name": "D", "StageName": "Prospecting", "CloseDate": "2024-01-01",
            "AccountId": "001000000000000AAA"}), 400,
            "INVALID_CROSS_REFERENCE_KEY")

    def test_user_and_organization_are_read_only(self):
        self.assertEqual(self.emu.post("/sobjects/User", self.tok,
                                       {"LastName": "x"}).status, 405)
        org = self.emu.control("GET", "/config")["orgs"][0]
        r = self.emu.delete("/sobjects/Organization/" + org["id"], self.tok)
        self.assertEqual(r.status, 405)


class Upsert(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.tok = self.emu.password_token()

    def test_create_update_multiple(self):
        path = "/sobjects/Lead/Ext_Id__c/X-1"
        r = self.emu.patch(path, self.tok, LEAD)
        self.assertEqual(r.status, 201)
        body = r.json
        self.assertEqual(list(body), ["id", "success", "errors", "created"])
        self.assertTrue(body["created"])
        r = self.emu.patch(path, self.tok, {"Title": "CTO"})
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json, {"id": body["id"], "success": True,
                                  "errors": [], "created": False})
        got = self.emu.get(path, self.tok).json
        self.assertEqual((got["Id"], got["Title"], got["Ext_Id__c"]),
                         (body["id"], "CTO", "X-1"))
        self.emu.post("/sobjects/Lead", self.tok, dict(LEAD, Ext_Id__c="x-1"))
        r = self.emu.patch(path, self.tok, {"Title": "CFO"})
        self.assertEqual(r.status, 300)
        self.assertEqual(len(r.json), 2)
        self.assertTrue(r.json[0].startswith("/services/data/%s/sobjects/"
                                             "Lead/00Q" % V))

    def test_old_version_answers_204(self):
        path = "/services/data/v45.0/sobjects/Lead/Ext_Id__c/Y"
        r = self.emu.request("PATCH", path, token=self.tok, json_body=LEAD)
        self.assertEqual(r.status, 201)
        self.assertNotIn("created", r.json)
        r = self.emu.request("PATCH", path, token=self.tok,
                             json_body={"Title": "x"})
        self.assertEqual((r.status, r.body), (204, b""))

    def test_errors(self):
        self.assertError(self.emu.patch("/sobjects/Lead/Namez/x", self.tok,
                                        LEAD), 404, "NOT_FOUND",
                         "Provided external ID field does not exist or is "
                         "not accessible: Namez")
        self.assertError(self.emu.patch(
            "/sobjects/Lead/Ext_Id__c/none?updateOnly=true", self.tok, LEAD),
            404, "NOT_FOUND")
        self.assertError(self.emu.get("/sobjects/Lead/Ext_Id__c/none",
                                      self.tok), 404, "NOT_FOUND")
        self.assertError(self.emu.patch("/sobjects/Lead/Ext_Id__c/Z",
                                        self.tok, {"Company": "x"}), 400,
                         "REQUIRED_FIELD_MISSING")

    def test_delete_by_external_id_and_post_id(self):
        self.emu.patch("/sobjects/Lead/Ext_Id__c/D-1", self.tok, LEAD)
        r = self.emu.delete("/sobjects/Lead/Ext_Id__c/D-1", self.tok)
        self.assertEqual(r.status, 204)
        r = self.emu.post("/sobjects/Lead/Id", self.tok, LEAD)
        self.assertEqual(r.status, 201)
        self.assertTrue(r.json["created"])


class Organization(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.tok = self.emu.password_token()

    SOQL = ("SELECT Id, Name, OrganizationType, IsSandbox, "
            "TrialExpirationDate, InstanceName FROM Organization")

    def test_default_is_developer_edition(self):
        body = self.emu.query(self.SOQL, self.tok).json
        self.assertEqual(body["totalSize"], 1)
        rec = body["records"][0]
        self.assertEqual(rec["OrganizationType"], "Developer Edition")
        self.assertIs(rec["IsSandbox"], False)
        self.assertIsNone(rec["TrialExpirationDate"])
        self.assertEqual(list(rec), ["attributes", "Id", "Name",
                                     "OrganizationType", "IsSandbox",
                                     "TrialExpirationDate", "InstanceName"])

    def test_trial_and_enterprise(self):
        self.emu.control("POST", "/org", {"edition": "Enterprise Edition",
                                          "trial": True})
        rec = self.emu.query(self.SOQL, self.tok).json["records"][0]
        self.assertEqual(rec["OrganizationType"], "Enterprise Edition")
        self.assertRegex(rec["TrialExpirationDate"],
                         r"^\d{4}-\d\d-\d\dT00:00:00\.000\+0000$")
        self.emu.control("POST", "/org", {"trial": False})
        rec = self.emu.query(self.SOQL, self.tok).json["records"][0]
        self.assertIsNone(rec["TrialExpirationDate"])

    def test_user_record(self):
        body = self.emu.query("SELECT Id, Username, Name, Email FROM User",
                              self.tok).json
        self.assertEqual(body["records"][0]["Username"], "dev@example.com")
        self.assertEqual(body["records"][0]["Name"], "Dev User")


if __name__ == "__main__":
    unittest.main()
