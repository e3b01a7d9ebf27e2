"""The SOQL subset: operators, logic, literals, date literals, ordering,
LIMIT/OFFSET, COUNT, parent paths, errors as Salesforce words them,
queryAll, and nextRecordsUrl pagination (batchSize, 200,000 records)."""

import datetime
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulib import EmulatorTestCase, V  # noqa: E402


def day(offset):
    d = datetime.datetime.now(datetime.timezone.utc).date() + \
        datetime.timedelta(days=offset)
    return d.isoformat()


class Soql(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.tok = self.emu.password_token()
        leads = [
            {"FirstName": "Ann", "LastName": "Able", "Company": "Acme",
             "NumberOfEmployees": 10, "AnnualRevenue": 100.5,
             "Email": "ann@acme.com", "Status": "Working - Contacted",
             "CreatedDate": day(0) + "T10:00:00Z", "HasOptedOutOfEmail": True},
            {"FirstName": "Bob", "LastName": "Baker", "Company": "Bolt",
             "NumberOfEmployees": 20, "CreatedDate": day(-3) + "T10:00:00Z"},
            {"LastName": "O'Neil", "Company": "Acme\nWest",
             "NumberOfEmployees": 30, "CreatedDate": day(-40) + "T10:00:00Z",
             "Rating": "Hot"},
            {"FirstName": "dan", "LastName": "Doe_x", "Company": "100% Co",
             "CreatedDate": "2020-01-01T00:00:00Z"},
        ]
        self.ids = self.emu.control("POST", "/seed", {
            "sobject": "Lead", "records": leads})["ids"]

    def q(self, soql, **kw):
        r = self.emu.query(soql, self.tok, **kw)
        self.assertEqual(r.status, 200, r)
        return r.json

    def names(self, where, order="LastName"):
        body = self.q("SELECT LastName FROM Lead WHERE %s ORDER BY %s"
                      % (where, order))
        return [r["LastName"] for r in body["records"]]

    def test_shape(self):
        body = self.q("SELECT Id, Name, Company FROM Lead WHERE "
                      "LastName = 'Able'")
        self.assertEqual(list(body), ["totalSize", "done", "records"])
        self.assertEqual((body["totalSize"], body["done"]), (1, True))
        rec = body["records"][0]
        self.assertEqual(list(rec), ["attributes", "Id", "Name", "Company"])
        self.assertEqual(rec["attributes"], {
            "type": "Lead", "url": "/services/data/%s/sobjects/Lead/%s"
            % (V, self.ids[0])})
        self.assertEqual(rec["Name"], "Ann Able")
        # field names come back in their canonical case
        rec = self.q("SELECT id, lastname FROM lead LIMIT 1")["records"][0]
        self.assertEqual(list(rec), ["attributes", "Id", "LastName"])
        # /query/?q= also works
        r = self.emu.get("/query/?q=SELECT+Id+FROM+Lead", self.tok)
        self.assertEqual(r.json["totalSize"], 4)

    def test_comparisons(self):
        self.assertEqual(self.names("NumberOfEmployees > 10"),
                         ["Baker", "O'Neil"])
        self.assertEqual(self.names("NumberOfEmployees >= 20"),
                         ["Baker", "O'Neil"])
        self.assertEqual(self.names("NumberOfEmployees < 20"), ["Able"])
        self.assertEqual(self.names("NumberOfEmployees <= 20"),
                         ["Able", "Baker"])
        self.assertEqual(self.names("NumberOfEmployees != 20"),
                         ["Able", "Doe_x", "O'Neil"])
        self.assertEqual(self.names("NumberOfEmployees <> 20"),
                         ["Able", "Doe_x", "O'Neil"])
        self.assertEqual(self.names("company = 'ACME'"), ["Able"])
        self.assertEqual(self.names("AnnualRevenue = 100.5"), ["Able"])
        self.assertEqual(self.names("Id = '%s'" % self.ids[1][:15]),
                         ["Baker"])

    def test_like_in_null_boolean(self):
        self.assertEqual(self.names("Company LIKE 'ac%'"), ["Able", "O'Neil"])
        self.assertEqual(self.names("LastName LIKE 'B_ker'"), ["Baker"])
        self.assertEqual(self.names("LastName LIKE '%\\_x'"), ["Doe_x"])
        self.assertEqual(self.names("Company LIKE '100\\%%'"), ["Doe_x"])
        self.assertEqual(self.names("FirstName IN ('ann', 'Bob')"),
                         ["Able", "Baker"])
        self.assertEqual(self.names("FirstName NOT IN ('Ann')"),
                         ["Baker", "Doe_x", "O'Neil"])
        self.assertEqual(self.names("FirstName = null"), ["O'Neil"])
        self.assertEqual(self.names("Rating != NULL"), ["O'Neil"])
        self.assertEqual(self.names("HasOptedOutOfEmail = TRUE"), ["Able"])
        self.assertEqual(self.names("HasOptedOutOfEmail = false"),
                         ["Baker", "Doe_x", "O'Neil"])

    def test_logic_and_escapes(self):
        self.assertEqual(self.names("Company = 'Acme' OR Company = 'Bolt'"),
                         ["Able", "Baker"])
        self.assertEqual(self.names("(Company = 'Acme' OR Company = 'Bolt') "
                                    "AND NumberOfEmployees > 10"), ["Baker"])
        self.assertEqual(self.names("NOT Company = 'Acme'"),
                         ["Baker", "Doe_x", "O'Neil"])
        self.assertEqual(self.names("NOT (NumberOfEmployees > 10 OR "
                                    "NumberOfEmployees = null)"), ["Able"])
        self.assertEqual(self.names("LastName = 'O\\'Neil'"), ["O'Neil"])
        self.assertEqual(self.names("Company = 'Acme\\nWest'"), ["O'Neil"])

    def test_dates(self):
        self.assertEqual(self.names("CreatedDate = TODAY"), ["Able"])
        self.assertEqual(self.names("CreatedDate = LAST_N_DAYS:7"),
                         ["Able", "Baker"])
        self.assertEqual(self.names("CreatedDate < LAST_N_DAYS:30"),
                         ["Doe_x", "O'Neil"])
        self.assertEqual(self.names("CreatedDate > 2021-01-01T00:00:00Z"),
                         ["Able", "Baker", "O'Neil"])
        this_year = self.names("CreatedDate = THIS_YEAR")
        self.assertIn("Able", this_year)
        self.assertNotIn("Doe_x", this_year)
        self.assertIn("Doe_x", self.names("CreatedDate < LAST_YEAR"))
        self.assertEqual(self.names("CreatedDate < 2020-01-01T00:00:01.000Z"),
                         ["Doe_x"])
        self.emu.control("POST", "/seed", {"sobject": "Opportunity",
                                           "records": [
            {"Name": "Q", "StageName": "Prospecting", "CloseDate": day(1)},
            {"Name": "R", "StageName": "Closed Won",
             "CloseDate": "2023-06-30"}]})
        body = self.q("SELECT Name FROM Opportunity WHERE CloseDate = "
                      "NEXT_N_DAYS:2")
        self.assertEqual([r["Name"] for r in body["records"]], ["Q"])
        body = self.q("SELECT Name FROM Opportunity WHERE CloseDate < "
                      "2024-01-01 AND IsWon = true")
        self.assertEqual([r["Name"] for r in body["records"]], ["R"])

    def test_order_limit_offset(self):
        body = self.q("SELECT LastName FROM Lead ORDER BY FirstName "
                      "NULLS LAST, LastName DESC LIMIT 3")
        self.assertEqual([r["LastName"] for r in body["records"]],
                         ["Able", "Baker", "Doe_x"])
        self.assertEqual(self.names("Id != null", "FirstName ASC"),
                         ["O'Neil", "Able", "Baker", "Doe_x"])
        self.assertEqual(self.names("Id != null", "FirstName DESC"),
                         ["Doe_x", "Baker", "Able", "O'Neil"])
        self.assertEqual(self.names("Id != null",
                                    "FirstName DESC NULLS FIRST"),
                         ["O'Neil", "Doe_x", "Baker", "Able"])
        body = self.q("SELECT LastName FROM Lead ORDER BY LastName "
                      "LIMIT 2 OFFSET 1")
        self.assertEqual([r["LastName"] for r in body["records"]],
                         ["Baker", "Doe_x"])
        self.assertEqual(body["totalSize"], 2)

    def test_count_and_parent_paths(self):
        self.assertEqual(self.q("SELECT COUNT() FROM Lead WHERE Company = "
                                "'Acme'"),
                         {"totalSize": 1, "done": True, "records": []})
        body = self.q("SELECT COUNT(Id) FROM Lead")
        self.assertEqual(body["records"], [{
            "attributes": {"type": "AggregateResult"}, "expr0": 4}])
        body = self.q("SELECT COUNT(FirstName) n FROM Lead")
        self.assertEqual(body["records"][0]["n"], 3)
        acc = self.emu.post("/sobjects/Account", self.tok,
                            {"Name": "Acme"}).json["id"]
        self.emu.post("/sobjects/Opportunity", self.tok, {
            "Name": "Big", "StageName": "Prospecting",
            "CloseDate": "2024-01-01", "AccountId": acc})
        self.emu.post("/sobjects/Opportunity", self.tok, {
            "Name": "Small", "StageName": "Prospecting",
            "CloseDate": "2024-01-01"})
        body = self.q("SELECT Name, Account.Name, Owner.Username FROM "
                      "Opportunity WHERE Account.Name = 'acme'")
        rec = body["records"][0]
        self.assertEqual(rec["Account"]["Name"], "Acme")
        self.assertEqual(rec["Account"]["attributes"]["type"], "Account")
        self.assertEqual(rec["Owner"]["Username"], "dev@example.com")
        body = self.q("SELECT Name, Account.Name FROM Opportunity ORDER BY "
                      "Name")
        self.assertIsNone(body["records"][1]["Account"])

    def test_errors(self):
        def err(soql, code):
            r = self.emu.query(soql, self.tok)
            return self.assertError(r, 400, code)["message"]
        msg = err("SELECT Id FRM Lead", "MALFORMED_QUERY")
        self.assertEqual(msg, "\nSELECT Id FRM Lead\n          ^\nERROR at "
                         "Row:1:Column:11\nunexpected token: 'FRM'")
        msg = err("SELECT Foo FROM Lead", "INVALID_FIELD")
        self.assertEqual(msg, "\nSELECT Foo FROM Lead\n       ^\nERROR at "
                         "Row:1:Column:8\nNo such column 'Foo' on entity "
                         "'Lead'. If you are attempting to use a custom "
                         "field, be sure to append the '__c' after the "
                         "custom field name. Please reference your WSDL or "
                         "the describe call for the appropriate names.")
        self.assertIn("sObject type 'Leed' is not supported",
                      err("SELECT Id FROM Leed", "INVALID_TYPE"))
        self.assertIn("unexpected token: 'OR'",
                      err("SELECT Id FROM Lead WHERE Company = 'a' AND "
                          "Company = 'b' OR Company = 'c'",
                          "MALFORMED_QUERY"))
        self.assertIn("unexpected token: '<EOF>'",
                      err("SELECT Id FROM Lead WHERE", "MALFORMED_QUERY"))
        self.assertIn("must be of type integer and should not be enclosed "
                      "in quotes", err("SELECT Id FROM Lead WHERE "
                                       "NumberOfEmployees = '5'",
                                       "INVALID_FIELD"))
        self.assertIn("must be of type string and should be enclosed in "
                      "quotes", err("SELECT Id FROM Lead WHERE Company = 5",
                                    "INVALID_FIELD"))
        self.assertIn("must be of type dateTime", err(
            "SELECT Id FROM Lead WHERE CreatedDate > 2020-01-01",
            "INVALID_FIELD"))
        self.assertIn("invalid ID field: nope", err(
            "SELECT Id FROM Lead WHERE Id = 'nope'",
            "INVALID_QUERY_FILTER_OPERATOR"))
        self.assertIn("Didn't understand relationship 'Foo'", err(
            "SELECT Foo.Name FROM Lead", "INVALID_FIELD"))
        self.assertIn("Maximum SOQL offset allowed is 2000", err(
            "SELECT Id FROM Lead OFFSET 2001", "NUMBER_OUTSIDE_VALID_RANGE"))
        self.assertIn("unexpected token: '-1'", err(
            "SELECT Id FROM Lead LIMIT -1", "MALFORMED_QUERY"))
        self.assertIn("field 'Address' can not be filtered in a query call",
                      err("SELECT Id FROM Lead WHERE Address = 'x'",
                          "INVALID_FIELD"))
        self.assertIn("field 'Description' can not be sorted", err(
            "SELECT Id FROM Lead ORDER BY Description", "INVALID_FIELD"))
        self.assertError(self.emu.get("/query", self.tok), 400,
                         "MALFORMED_QUERY")

    def test_query_all_includes_deleted(self):
        self.emu.delete("/sobjects/Lead/" + self.ids[0], self.tok)
        self.assertEqual(self.q("SELECT Id FROM Lead")["totalSize"], 3)
        body = self.q("SELECT Id, IsDeleted FROM Lead WHERE IsDeleted = true",
                      all_rows=True)
        self.assertEqual(body["totalSize"], 1)
        self.assertIs(body["records"][0]["IsDeleted"], True)


class Pagination(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.tok = self.emu.password_token()

    def seed(self, n):
        return self.emu.control("POST", "/seed", {
            "sobject": "Lead", "count": n, "return_ids": False,
            "template": {"LastName": "L{n}", "Company": "C{i}",
                         "NumberOfEmployees": 7}})

    def test_batch_size_and_next_records_url(self):
        self.seed(450)
        opts = {"Sforce-Query-Options": "batchSize=200"}
        r = self.emu.query("SELECT Id, LastName FROM Lead", self.tok,
                           headers=opts)
        body = r.json
        self.assertEqual(list(body), ["totalSize", "done", "nextRecordsUrl",
                                      "records"])
        self.assertEqual((body["totalSize"], body["done"],
                          len(body["records"])), (450, False, 200))
        self.assertRegex(body["nextRecordsUrl"],
                         r"^/services/data/%s/query/01g\w{15}-200$" % V)
        seen = [x["LastName"] for x in body["records"]]
        while not body["done"]:
            body = self.emu.request("GET", body["nextRecordsUrl"],
                                    token=self.tok, headers=opts).json
            seen += [x["LastName"] for x in body["records"]]
        self.assertEqual(seen, ["L%d" % i for i in range(1, 451)])
        self.assertNotIn("nextRecordsUrl", body)
        self.assertEqual(len(body["records"]), 50)

    def test_batch_size_bounds_and_default(self):
        self.seed(2500)
        body = self.emu.query("SELECT Id FROM Lead", self.tok).json
        self.assertEqual(len(body["records"]), 2000)
        body = self.emu.query("SELECT Id FROM Lead", self.tok, headers={
            "Sforce-Query-Options": "batchSize=10"}).json
        self.assertEqual(len(body["records"]), 200)
        body = self.emu.query("SELECT Id FROM Lead WHERE IsDeleted = false",
                              self.tok, all_rows=True).json
        self.assertIn("/query/", body["nextRecordsUrl"])
        self.assertEqual(self.emu.request(
            "GET", body["nextRecordsUrl"].replace("/query/", "/queryAll/"),
            token=self.tok).json["done"], True)

    def test_invalid_locator(self):
        self.assertError(self.emu.get("/query/01gXX0000000001AAA-200",
                                      self.tok), 400,
                         "INVALID_QUERY_LOCATOR", "invalid query locator")

    def test_200k_records(self):
        t0 = time.monotonic()
        self.assertEqual(self.seed(200000)["created"], 200000)
        seeded = time.monotonic() - t0
        body = self.emu.query("SELECT COUNT() FROM Lead", self.tok).json
        self.assertEqual(body["totalSize"], 200000)
        t0 = time.monotonic()
        body = self.emu.query("SELECT Id, LastName FROM Lead", self.tok).json
        pages, count, conn = 1, len(body["records"]), self.emu.connection()
        while not body["done"]:
            body = self.emu.request("GET", body["nextRecordsUrl"],
                                    token=self.tok, conn=conn).json
            count += len(body["records"])
            pages += 1
        conn.close()
        self.assertEqual((count, pages), (200000, 100))
        self.assertEqual(body["records"][-1]["LastName"], "L200000")
        paged = time.monotonic() - t0
        self.assertLess(seeded + paged, 30, (seeded, paged))
        # a filtered, sorted query over the whole set
        body = self.emu.query("SELECT LastName FROM Lead WHERE LastName LIKE "
                              "'L19999%' ORDER BY LastName DESC LIMIT 3",
                              self.tok).json
        self.assertEqual([r["LastName"] for r in body["records"]],
                         ["L199999", "L199998", "L199997"])


if __name__ == "__main__":
    unittest.main()
