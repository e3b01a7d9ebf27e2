-- luaforce.dialog.salesforce, the action templates' helper, without a
-- network: the message for each kind of failed response, the View
-- button, record lines and pages.
local helper = require "spec.helper"

package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
local sf = require "luaforce.dialog.salesforce"

local function resp(status, code, message, fields)
  return { statusCode = status, body = { { errorCode = code, message = message,
    fields = fields } } }
end

describe("luaforce.dialog.salesforce", function()
  it("tells each kind of failure in one sentence", function()
    assert.are.equal("I could not find that lead in Salesforce (404 - No Record Found).",
      sf.failure(resp(404, "NOT_FOUND", "The requested resource does not exist"), "lead"))
    assert.are.equal("Salesforce did not accept the lead (Email, Phone): bad values",
      sf.failure(resp(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "bad values",
        { "Email", "Phone" }), "lead"))
    assert.are.equal("Salesforce did not accept the lead: Required fields are missing",
      sf.failure(resp(400, "REQUIRED_FIELD_MISSING", "Required fields are missing"), "lead"))
    assert.are.equal("Salesforce found a duplicate opportunity: Use one of these?",
      sf.failure(resp(400, "DUPLICATES_DETECTED", "Use one of these?"), "opportunity"))
    local busy = "Salesforce is busy (its API request limit was reached). Please try again "
      .. "later."
    assert.are.equal(busy, sf.failure(resp(403, "REQUEST_LIMIT_EXCEEDED", "limit")))
    assert.are.equal(busy, sf.failure({ statusCode = 429, body = { errorCode = "X" } }))
    assert.are.equal("I need you to authorize Salesforce again before I can do that.",
      sf.failure(resp(401, "INVALID_SESSION_ID", "Session expired or invalid")))
    assert.are.equal("The Salesforce integration is disabled, so I cannot do that right now.",
      sf.failure(resp(0, "INTEGRATION_DISABLED", "disabled")))
    assert.are.equal("You do not have permission to do that in Salesforce: no",
      sf.failure(resp(400, "INSUFFICIENT_ACCESS_OR_READONLY", "no")))
    assert.are.equal("Salesforce had a problem (HTTP 503). Please try again later.",
      sf.failure({ statusCode = 503, body = "" }))
    assert.are.equal("Salesforce did not answer in time. Please try again later.",
      sf.failure(resp(0, "timeout", "timed out")))
    assert.are.equal("I could not reach Salesforce. Please try again later.",
      sf.failure(resp(0, "connect", "refused")))
    assert.are.equal("Salesforce refused that (WEIRD): odd", sf.failure(resp(400, "WEIRD",
      "odd")))
  end)

  it("makes the View button's URL to the record in Lightning", function()
    assert.are.same({ type = "button", text = "Made", buttons = { { type = "url",
      title = "View Lead", url = "https://acme.my.salesforce.com/lightning/r/Lead/00Q1/view" } } },
      sf.card("https://acme.my.salesforce.com/", "Lead", "00Q1", "Made"))
    assert.is_true(sf.ok({ statusCode = 204 }))
    assert.is_false(sf.ok({ statusCode = 404 }))
    assert.is_false(sf.ok(nil))
  end)

  it("pages records five at a time and says how many are left", function()
    local records = {}
    for i = 1, 7 do records[i] = { Id = "00Q" .. i, Name = "L" .. i, Company = "C" .. i } end
    local context = { s = { response = { body = { totalSize = 7, records = records } } } }
    sf.next_page(context, "s", { "Company" }, "leads")
    assert.are.same({ text = "I found 7 leads:\n1. L1 (00Q1), C1\n2. L2 (00Q2), C2\n"
      .. "3. L3 (00Q3), C3\n4. L4 (00Q4), C4\n5. L5 (00Q5), C5", more = true, left = 2,
      offset = 0 }, context.page)
    sf.next_page(context, "s", { "Company" }, "leads")
    assert.are.same({ text = "6. L6 (00Q6), C6\n7. L7 (00Q7), C7", more = false, left = 0,
      offset = 5 }, context.page)
    context = { s = { response = { body = {} } } }
    sf.next_page(context, "s", {}, "leads matching 'x'")
    assert.are.equal("I found no leads matching 'x'.", context.page.text)
    assert.are.equal("A (1)\nTitle: -\nEmail: a@b", sf.summary({ Id = "1", Name = "A",
      Email = "a@b" }, { "Title", "Email" }))
  end)
end)
