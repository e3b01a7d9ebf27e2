"""SOQL string literals and date literals, as Salesforce documents them:
a backslash escaped as \\\\ stays a literal backslash even before _ or %
(in = and in LIKE), \\_ and \\% are LIKE-only escapes (rejected elsewhere),
the upper-case escapes \\N \\R \\T \\B \\F, the "Invalid string literal"
message, and the N_<unit>_AGO:n and fiscal date literals (the default
fiscal year: January to December)."""

import datetime
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from emulib import EmulatorTestCase  # noqa: E402

# Python source below writes SOQL text; "\\" in it is one backslash of SOQL.
NAMES = [
    "a_b", "axb", "a\\_b",              # a\_b: a, backslash, underscore, b
    "100%", "100x", "100\\%",           # 100\%
    "x\\", "x\\y", "xy",
    "50% sale", "O'Neil%",
    "tab\tcr\rnl\nbs\bff\f",
]


class StringLiterals(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.tok = self.emu.password_token()
        self.emu.control("POST", "/seed", {"sobject": "Lead", "records": [
            {"LastName": n, "Company": "Lit"} for n in NAMES]})

    def names(self, where):
        r = self.emu.query("SELECT LastName FROM Lead WHERE %s" % where,
                           self.tok)
        self.assertEqual(r.status, 200, r)
        return sorted(x["LastName"] for x in r.json["records"])

    def error(self, where, code="MALFORMED_QUERY"):
        r = self.emu.query("SELECT Id FROM Lead WHERE %s" % where, self.tok)
        return self.assertError(r, 400, code)["message"]

    def test_backslash_before_underscore_or_percent_in_equality(self):
        # 'a\\_b' is a, backslash, underscore, b: not "a_b"
        self.assertEqual(self.names("LastName = 'a\\\\_b'"), ["a\\_b"])
        self.assertEqual(self.names("LastName = '100\\\\%'"), ["100\\%"])
        self.assertEqual(self.names("LastName != 'a\\\\_b' AND "
                                    "LastName LIKE 'a%'"), ["a_b", "axb"])
        self.assertEqual(self.names("LastName IN ('a\\\\_b', '100\\\\%')"),
                         ["100\\%", "a\\_b"])
        # outside LIKE, _ and % are plain characters
        self.assertEqual(self.names("LastName = 'a_b'"), ["a_b"])
        self.assertEqual(self.names("LastName = '100%'"), ["100%"])
        self.assertEqual(self.names("LastName = 'x\\\\'"), ["x\\"])

    def test_backslash_before_wildcard_in_like(self):
        # 'x\\%': x, a literal backslash, then a wildcard
        self.assertEqual(self.names("LastName LIKE 'x\\\\%'"),
                         ["x\\", "x\\y"])
        # '%\\%': contains a backslash
        self.assertEqual(self.names("LastName LIKE '%\\\\%'"),
                         ["100\\%", "a\\_b", "x\\", "x\\y"])
        self.assertEqual(self.names("LastName LIKE 'a\\\\_b'"), ["a\\_b"])
        self.assertEqual(self.names("LastName LIKE 'a\\\\__'"), ["a\\_b"])
        # a\\\_b: a, literal backslash, literal underscore, b
        self.assertEqual(self.names("LastName LIKE 'a\\\\\\_b'"), ["a\\_b"])
        self.assertEqual(self.names("LastName LIKE '100\\\\\\%'"),
                         ["100\\%"])

    def test_like_escapes_and_wildcards(self):
        self.assertEqual(self.names("LastName LIKE 'a\\_b'"), ["a_b"])
        self.assertEqual(self.names("LastName LIKE 'a_b'"), ["a_b", "axb"])
        self.assertEqual(self.names("LastName LIKE '100\\%'"), ["100%"])
        self.assertEqual(self.names("LastName LIKE '100%'"),
                         ["100%", "100\\%", "100x"])
        self.assertEqual(self.names("LastName LIKE '%\\%'"),
                         ["100%", "100\\%", "O'Neil%"])
        self.assertEqual(self.names("LastName LIKE '%\\%%'"),
                         ["100%", "100\\%", "50% sale", "O'Neil%"])
        self.assertEqual(self.names("LastName LIKE 'o\\'neil\\%'"),
                         ["O'Neil%"])
        # UNCONFIRMED choice: a % or _ written as \uXXXX is literal
        self.assertEqual(self.names("LastName LIKE 'a\\u005fb'"), ["a_b"])
        self.assertEqual(self.names("LastName LIKE '100\\u0025'"), ["100%"])

    def test_like_only_escapes_rejected_elsewhere(self):
        msg = self.error("LastName = 'a\\_b'")
        self.assertEqual(msg, "\nSELECT Id FROM Lead WHERE LastName = "
                         "'a\\_b'\n%s^\nERROR at Row:1:Column:38\nInvalid "
                         "string literal 'a\\_b'. Illegal character sequence "
                         "'\\_' in string literal." % (" " * 37))
        msg = self.error("LastName IN ('x', '100\\%') AND Company = 'Lit'")
        self.assertTrue(msg.endswith("\nInvalid string literal '100\\%'. "
                                     "Illegal character sequence '\\%' in "
                                     "string literal."), msg)
        self.assertIn("Illegal character sequence '\\%'",
                      self.error("LastName > '\\%'"))
        self.assertIn("Illegal character sequence '\\_'",
                      self.error("Id = '\\_'"))
        # SOSL's WHERE reads literals the same way
        r = self.emu.get("/search?q=FIND+%7Bsale%7D+RETURNING+Lead(Id+WHERE+"
                         "LastName+%3D+'a%5C_b')", self.tok)
        self.assertIn("Illegal character sequence '\\_'", self.assertError(
            r, 400, "MALFORMED_SEARCH")["message"])

    def test_upper_case_escapes(self):
        want = ["tab\tcr\rnl\nbs\bff\f"]
        self.assertEqual(self.names("LastName = 'tab\\tcr\\rnl\\nbs\\bff\\f'"),
                         want)
        self.assertEqual(self.names("LastName = 'tab\\Tcr\\Rnl\\Nbs\\Bff\\F'"),
                         want)
        self.assertEqual(self.names("LastName LIKE 'TAB\\T%\\F'"), want)

    def test_invalid_escape_message(self):
        # Salesforce's wording (restforce issue #632): the literal's text
        # between its quotes, no stray quote, nothing after the literal.
        msg = self.error("LastName = 'a\\qb' AND Company = 'Lit'")
        self.assertEqual(msg, "\nSELECT Id FROM Lead WHERE LastName = "
                         "'a\\qb' AND Company = 'Lit'\n%s^\nERROR at "
                         "Row:1:Column:38\nInvalid string literal 'a\\qb'. "
                         "Illegal character sequence '\\q' in string "
                         "literal." % (" " * 37))
        msg = self.error("LastName = 'it\\'s \\U'")
        self.assertTrue(msg.endswith("\nInvalid string literal 'it\\'s \\U'. "
                                     "Illegal character sequence '\\U' in "
                                     "string literal."), msg)


# Emulator "today" for the date tests: Wednesday 2024-05-15, 12:00 UTC.
# The week started on Sunday 2024-05-12; the quarter is Q2 (April-June).
TODAY = datetime.datetime(2024, 5, 15, 12, tzinfo=datetime.timezone.utc)
CLOSE_DATES = [
    "2021-12-31", "2022-07-04", "2023-06-15", "2023-09-30", "2023-10-01",
    "2023-12-31", "2024-01-01", "2024-02-29", "2024-03-01", "2024-03-31",
    "2024-04-01", "2024-04-27", "2024-04-28", "2024-04-30", "2024-05-04",
    "2024-05-05", "2024-05-11", "2024-05-12", "2024-05-15", "2024-05-18",
    "2024-05-19", "2024-06-30", "2024-07-01", "2024-09-30", "2024-10-01",
    "2024-12-31", "2025-01-01", "2025-12-31", "2026-01-01", "2027-01-01",
]
Q1_2024 = ["2024-01-01", "2024-02-29", "2024-03-01", "2024-03-31"]
Q2_2024 = ["2024-04-01", "2024-04-27", "2024-04-28", "2024-04-30",
           "2024-05-04", "2024-05-05", "2024-05-11", "2024-05-12",
           "2024-05-15", "2024-05-18", "2024-05-19", "2024-06-30"]
Q3_2024 = ["2024-07-01", "2024-09-30"]
Q4_2024 = ["2024-10-01", "2024-12-31"]
Q4_2023 = ["2023-10-01", "2023-12-31"]
Y2023 = ["2023-06-15", "2023-09-30"] + Q4_2023
Y2024 = Q1_2024 + Q2_2024 + Q3_2024 + Q4_2024
Y2025 = ["2025-01-01", "2025-12-31"]


class DateLiterals(EmulatorTestCase):
    def setUp(self):
        super().setUp()
        self.emu.control("POST", "/clock",
                         {"offset": TODAY.timestamp() - time.time()})
        self.tok = self.emu.password_token()
        self.emu.control("POST", "/seed", {"sobject": "Opportunity",
                                           "records": [
            {"Name": d, "StageName": "Prospecting", "CloseDate": d}
            for d in CLOSE_DATES]})
        self.emu.control("POST", "/seed", {"sobject": "Lead", "records": [
            {"LastName": ts, "Company": "Dates", "CreatedDate": ts}
            for ts in ["2024-05-04T23:59:59Z", "2024-05-05T00:00:00Z",
                       "2024-05-11T23:59:59Z", "2024-05-12T00:00:00Z",
                       "2024-03-31T23:59:59Z", "2024-04-01T00:00:00Z"]]})

    def close(self, where):
        r = self.emu.query("SELECT Name FROM Opportunity WHERE CloseDate %s"
                           % where, self.tok)
        self.assertEqual(r.status, 200, r)
        return sorted(x["Name"] for x in r.json["records"])

    def created(self, where):
        """LastNames (the seeded CreatedDate text) of matching Leads."""
        r = self.emu.query("SELECT LastName FROM Lead WHERE CreatedDate %s"
                           % where, self.tok)
        self.assertEqual(r.status, 200, r)
        return sorted(x["LastName"] for x in r.json["records"])

    def test_clock(self):
        self.assertEqual(self.close("= TODAY"), ["2024-05-15"])
        self.assertEqual(self.close("= THIS_WEEK"),
                         ["2024-05-12", "2024-05-15", "2024-05-18"])

    def test_n_units_ago(self):
        self.assertEqual(self.close("= N_WEEKS_AGO:0"),
                         ["2024-05-12", "2024-05-15", "2024-05-18"])
        self.assertEqual(self.close("= N_WEEKS_AGO:1"),
                         ["2024-05-05", "2024-05-11"])
        self.assertEqual(self.close("= N_WEEKS_AGO:2"),
                         ["2024-04-28", "2024-04-30", "2024-05-04"])
        self.assertEqual(self.close("= N_MONTHS_AGO:1"),
                         ["2024-04-01", "2024-04-27", "2024-04-28",
                          "2024-04-30"])
        self.assertEqual(self.close("= N_MONTHS_AGO:2"),
                         ["2024-03-01", "2024-03-31"])
        self.assertEqual(self.close("= N_MONTHS_AGO:12"), [])
        self.assertEqual(self.close("= N_QUARTERS_AGO:1"), Q1_2024)
        self.assertEqual(self.close("= N_QUARTERS_AGO:2"), Q4_2023)
        self.assertEqual(self.close("= N_YEARS_AGO:1"), Y2023)
        self.assertEqual(self.close("= N_YEARS_AGO:3"), ["2021-12-31"])
        self.assertEqual(self.close("= n_years_ago:0"), Y2024)
        self.assertEqual(self.close("< N_YEARS_AGO:2"), ["2021-12-31"])
        self.assertEqual(self.close(">= N_QUARTERS_AGO:1"),
                         sorted(Y2024 + Y2025 + ["2026-01-01",
                                                 "2027-01-01"]))
        self.assertEqual(self.close("IN (2024-01-01) OR CloseDate = "
                                    "N_WEEKS_AGO:1"),
                         ["2024-01-01", "2024-05-05", "2024-05-11"])
        # dateTime fields: whole UTC days
        self.assertEqual(self.created("= N_WEEKS_AGO:1"),
                         ["2024-05-05T00:00:00Z", "2024-05-11T23:59:59Z"])
        self.assertEqual(self.created("= N_MONTHS_AGO:1"),
                         ["2024-04-01T00:00:00Z"])
        self.assertEqual(self.created("= N_QUARTERS_AGO:1"),
                         ["2024-03-31T23:59:59Z"])

    def test_fiscal_literals(self):
        # The default fiscal year starts in January: fiscal quarters and
        # years are the calendar ones.
        self.assertEqual(self.close("= THIS_FISCAL_QUARTER"), Q2_2024)
        self.assertEqual(self.close("= LAST_FISCAL_QUARTER"), Q1_2024)
        self.assertEqual(self.close("= NEXT_FISCAL_QUARTER"), Q3_2024)
        self.assertEqual(self.close("= THIS_FISCAL_YEAR"), Y2024)
        self.assertEqual(self.close("= LAST_FISCAL_YEAR"), Y2023)
        self.assertEqual(self.close("= NEXT_FISCAL_YEAR"), Y2025)
        self.assertEqual(self.close("= LAST_N_FISCAL_QUARTERS:2"),
                         sorted(Q4_2023 + Q1_2024))
        self.assertEqual(self.close("= NEXT_N_FISCAL_QUARTERS:2"),
                         sorted(Q3_2024 + Q4_2024))
        self.assertEqual(self.close("= N_FISCAL_QUARTERS_AGO:3"),
                         ["2023-09-30"])
        self.assertEqual(self.close("= LAST_N_FISCAL_YEARS:3"),
                         sorted(["2021-12-31", "2022-07-04"] + Y2023))
        self.assertEqual(self.close("= NEXT_N_FISCAL_YEARS:2"),
                         sorted(Y2025 + ["2026-01-01"]))
        self.assertEqual(self.close("= N_FISCAL_YEARS_AGO:2"),
                         ["2022-07-04"])
        self.assertEqual(self.close("> NEXT_N_FISCAL_YEARS:1"),
                         ["2026-01-01", "2027-01-01"])
        self.assertEqual(self.close("< THIS_FISCAL_YEAR"),
                         sorted(["2021-12-31", "2022-07-04"] + Y2023))
        self.assertEqual(self.created("= LAST_FISCAL_QUARTER"),
                         ["2024-03-31T23:59:59Z"])

    def test_literal_errors(self):
        def err(where, code):
            r = self.emu.query("SELECT Id FROM Opportunity WHERE %s" % where,
                               self.tok)
            return self.assertError(r, 400, code)["message"]
        # the :n is required, and only the n-forms take one
        self.assertIn("unexpected token: '<EOF>'",
                      err("CloseDate = N_WEEKS_AGO", "MALFORMED_QUERY"))
        self.assertIn("unexpected token: ':'",
                      err("CloseDate = THIS_FISCAL_YEAR:2",
                          "MALFORMED_QUERY"))
        self.assertIn("must be of type string", err(
            "Name = LAST_N_FISCAL_YEARS:2", "INVALID_FIELD"))
        self.assertIn("unexpected token: 'N_FORTNIGHTS_AGO'",
                      err("CloseDate = N_FORTNIGHTS_AGO:2",
                          "MALFORMED_QUERY"))


if __name__ == "__main__":
    unittest.main()
