"""The SOSL subset (FIND {...} IN ... FIELDS RETURNING ...), wildcards,
phrases, operators, reserved characters, errors, the v35 array shape, and
parameterizedSearch by GET and POST."""

import os
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulib import EmulatorTestCase, V  # noqa: E402


class Sosl(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.tok = self.emu.password_token()
        seed = self.emu.control("POST", "/seed", {"records": [
            {"attributes": {"type": "Lead"}, "FirstName": "Ann",
             "LastName": "Smith", "Company": "Acme Corp",
             "Email": "ann@acme.com", "Phone": "(415) 555-1212",
             "Status": "Working - Contacted"},
            {"attributes": {"type": "Lead"}, "FirstName": "Bob",
             "LastName": "Smithers", "Company": "Bolt-On Ltd",
             "Description": "met at the acme expo"},
            {"attributes": {"type": "Contact"}, "FirstName": "Carl",
             "LastName": "Smith", "Email": "carl@example.com"},
            {"attributes": {"type": "Account"}, "Name": "Acme Corp"},
        ]})
        self.ann, self.bob, self.carl, self.acc = seed["ids"]

    def search(self, sosl, status=200, version=V):
        r = self.emu.request("GET", "/services/data/%s/search?q=%s" % (
            version, urllib.parse.quote(sosl)), token=self.tok)
        self.assertEqual(r.status, status, r)
        return r

    def ids(self, sosl):
        return [x["Id"] for x in self.search(sosl).json["searchRecords"]]

    def test_shape_and_returning(self):
        body = self.search("FIND {Smith} IN NAME FIELDS RETURNING "
                           "Lead(Id, Name, Company), Contact(Name)").json
        self.assertEqual(list(body), ["searchRecords"])
        recs = body["searchRecords"]
        self.assertEqual([r["attributes"]["type"] for r in recs],
                         ["Lead", "Contact"])
        self.assertEqual(recs[0], {
            "attributes": {"type": "Lead", "url": "/services/data/%s/"
                           "sobjects/Lead/%s" % (V, self.ann)},
            "Id": self.ann, "Name": "Ann Smith", "Company": "Acme Corp"})
        self.assertEqual(list(recs[1]), ["attributes", "Name"])

    def test_scopes(self):
        self.assertEqual(self.ids("FIND {acme} IN ALL FIELDS RETURNING "
                                  "Lead"), [self.ann, self.bob])
        self.assertEqual(self.ids("FIND {acme} IN NAME FIELDS RETURNING "
                                  "Lead"), [self.ann])
        self.assertEqual(self.ids("FIND {ann@acme.com} IN EMAIL FIELDS "
                                  "RETURNING Lead, Contact"), [self.ann])
        self.assertEqual(self.ids("FIND {4155551212} IN PHONE FIELDS "
                                  "RETURNING Lead"), [self.ann])
        self.assertEqual(self.ids("FIND {acme}"), [self.acc, self.ann,
                                                   self.bob])

    def test_wildcards_phrases_operators(self):
        self.assertEqual(self.ids("FIND {Smith*} RETURNING Lead"),
                         [self.ann, self.bob])
        self.assertEqual(self.ids("FIND {Smit?} RETURNING Lead, Contact"),
                         [self.ann, self.carl])
        self.assertEqual(self.ids('FIND {"acme expo"} RETURNING Lead'),
                         [self.bob])
        self.assertEqual(self.ids('FIND {"expo acme"} RETURNING Lead'), [])
        self.assertEqual(self.ids("FIND {Ann OR Bob} RETURNING Lead"),
                         [self.ann, self.bob])
        self.assertEqual(self.ids("FIND {acme AND NOT expo} RETURNING Lead"),
                         [self.ann])
        self.assertEqual(self.ids("FIND {Bolt\\-On} RETURNING Lead"),
                         [self.bob])
        self.assertEqual(self.ids("FIND {(ann OR carl) AND smith} "
                                  "RETURNING Lead, Contact"),
                         [self.ann, self.carl])

    def test_where_order_limit(self):
        self.assertEqual(self.ids("FIND {smith*} RETURNING Lead(Id WHERE "
                                  "Status = 'Working - Contacted')"),
                         [self.ann])
        self.assertEqual(self.ids("FIND {smith*} RETURNING Lead(Id ORDER BY "
                                  "FirstName DESC LIMIT 1)"), [self.bob])
        self.assertEqual(len(self.ids("FIND {smith*} RETURNING Lead, "
                                      "Contact LIMIT 2")), 2)

    def test_errors(self):
        r = self.search("FIND Smith", 400)
        self.assertError(r, 400, "MALFORMED_SEARCH", "No search term found. "
                         "The search term must be enclosed in braces.")
        err = self.assertError(self.search("FIND {Bolt-On}", 400), 400,
                               "MALFORMED_SEARCH")
        self.assertIn("'-'", err["message"])
        self.assertError(self.search("FIND {a}", 400), 400, "INVALID_SEARCH",
                         "search term must be longer than one character")
        self.assertError(self.search("FIND {acme} RETURNING Nope", 400), 400,
                         "INVALID_TYPE")
        self.assertError(self.search("FIND {acme} RETURNING Lead(Bogus)",
                                     400), 400, "INVALID_FIELD")
        self.assertError(self.search("FIND {acme} IN WHATEVER FIELDS", 400),
                         400, "MALFORMED_SEARCH")
        self.assertError(self.search("SELECT Id FROM Lead", 400), 400,
                         "MALFORMED_SEARCH")
        self.assertError(self.emu.get("/search", self.tok), 400,
                         "MALFORMED_SEARCH")

    def test_v35_bare_array(self):
        body = self.search("FIND {Smith} RETURNING Contact",
                           version="v35.0").json
        self.assertEqual(body, [{"attributes": {
            "type": "Contact", "url": "/services/data/v35.0/sobjects/"
            "Contact/%s" % self.carl}, "Id": self.carl}])

    def test_parameterized_get(self):
        q = urllib.parse.urlencode([
            ("q", "smith"), ("sobject", "Lead"), ("sobject", "Contact"),
            ("Lead.fields", "Id,Name"), ("Lead.where", "FirstName = 'Ann'"),
            ("Contact.fields", "Email"), ("in", "NAME")])
        r = self.emu.get("/parameterizedSearch/?" + q, self.tok)
        recs = r.json["searchRecords"]
        self.assertEqual([(x["attributes"]["type"], list(x)[1:])
                          for x in recs],
                         [("Lead", ["Id", "Name"]), ("Contact", ["Email"])])
        r = self.emu.get("/parameterizedSearch?q=Bolt-On&sobject=Lead",
                         self.tok)
        self.assertEqual([x["Id"] for x in r.json["searchRecords"]],
                         [self.bob])
        self.assertError(self.emu.get("/parameterizedSearch?sobject=Lead",
                                      self.tok), 400, "MISSING_ARGUMENT")

    def test_parameterized_post(self):
        body = {"q": "Smith", "fields": ["id", "firstName"],
                "sobjects": [{"name": "Lead", "limit": 1,
                              "fields": ["Id", "LastName"]},
                             {"name": "Contact"}],
                "in": "ALL", "overallLimit": 100, "defaultLimit": 10}
        r = self.emu.post("/parameterizedSearch", self.tok, body)
        recs = r.json["searchRecords"]
        self.assertEqual([x["attributes"]["type"] for x in recs],
                         ["Lead", "Contact"])
        self.assertEqual(list(recs[0]), ["attributes", "Id", "LastName"])
        self.assertEqual(list(recs[1]), ["attributes", "Id", "FirstName"])
        self.assertError(self.emu.post("/parameterizedSearch", self.tok,
                                       {"q": "acme", "sobjects":
                                        [{"name": "Nope"}]}), 400,
                         "INVALID_TYPE")


if __name__ == "__main__":
    unittest.main()
