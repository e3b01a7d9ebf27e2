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
    assert.are.equal("You do not have permission to do that in Salesforce: no",
      sf.failure(resp(400, "INSUFFICIENT_ACCESS_OR_READONLY", "no")))
    assert.are.equal("Salesforce had a problem (HTTP 503). Please try again later.",
      sf.failure({ statusCode = 503, body = "" }))
    assert.are.equal("Salesforce did not answer in time. Please try again later.",
      sf.failure(resp(0, "timeout", "timed out")))
    assert.are.equal("Your organization's Salesforce API is not enabled, so I cannot reach "
      .. "Salesforce. Please ask your Salesforce administrator.",
      sf.failure(resp(403, "API_DISABLED_FOR_ORG", "API is not enabled"), "lead"))
    assert.are.equal("You do not have access to opportunity records in Salesforce.",
      sf.failure(resp(400, "INVALID_TYPE", "\nsObject type 'Opportunity' is not supported"),
        "opportunity"))
    assert.are.equal("Salesforce refused that (MALFORMED_QUERY).", sf.failure(resp(400,
      "MALFORMED_QUERY", "\nSELECT x FROM Lead\n ^\nERROR at Row:1:Column:8\nunexpected")))
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

  it("says one record in the singular", function()
    local context = { s = { response = { body = { totalSize = 1, records = {
      { Id = "00Q1", Name = "L1" } } } } } }
    sf.next_page(context, "s", {}, "leads matching 'x'", "lead matching 'x'")
    assert.are.equal("I found 1 lead matching 'x':\n1. L1 (00Q1)", context.page.text)
  end)

  it("names the entity to ask again after a value Salesforce refused", function()
    local map = { CloseDate = "ClosedDate", Name = "OpportunityName" }
    assert.are.equal("ClosedDate", sf.field_to_fix(resp(400,
      "FIELD_CUSTOM_VALIDATION_EXCEPTION", "too early", { "CloseDate" }), map))
    assert.is_nil(sf.field_to_fix(resp(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "no",
      { "Amount" }), map))
    assert.is_nil(sf.field_to_fix(resp(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "top", {}),
      map))
    assert.is_nil(sf.field_to_fix(resp(404, "NOT_FOUND", "gone", { "Name" }), map))
  end)

  it("shows a picklist value by its label and a field's name in words", function()
    local context = { picklists = { LeadStatus = { { value = "Closed - Converted",
      display = "Converted" } } } }
    assert.are.equal("Converted", sf.label(context, "LeadStatus", "Closed - Converted"))
    assert.are.equal("Other", sf.label(context, "LeadStatus", "Other"))
    assert.are.equal("x", sf.label({}, "Title", "x"))
    assert.are.equal("2500", sf.show(2500.0))
    assert.are.equal("2.5", sf.show(2.5))
    assert.are.equal("-", sf.show(""))
    assert.are.equal("A (1)\nMobile Phone: 5\nStage: -", sf.summary({ Id = "1", Name = "A",
      MobilePhone = "5" }, { "MobilePhone", "StageName" }, { StageName = "Stage" }))
  end)

  it("shows search results' picklist values by label", function()
    local client = {}
    function client.describe(_, sobject)
      assert.are.equal("Lead", sobject)
      return { fields = { { name = "Status", picklistValues = {
        { value = "Open - Not Contacted", label = "New" } } } } }
    end
    assert.are.same({ { Status = "New" }, { Status = "Odd" }, {} },
      sf.labelled(client, "Lead", { { Status = "Open - Not Contacted" }, { Status = "Odd" }, {} },
        { "Status" }))
    local failing = { describe = function() return nil, { message = "down" } end }
    assert.are.same({ { Status = "x" } }, sf.labelled(failing, "Lead", { { Status = "x" } },
      { "Status" }))
  end)

  it("prepares an update template's payload and what to ask again", function()
    local OPTIONS = { { value = "Status", display = "status" }, { value = "Company" } }
    local ENTITY = { Status = "LeadStatus" }
    local context = { entities = { AskOptions = "Status", LeadStatus = "Closed - Converted" },
      picklists = { LeadStatus = { { value = "Closed - Converted", display = "Converted" } } } }
    sf.field_name(context, OPTIONS)
    sf.update_payload(context, ENTITY)
    assert.are.equal("status", context.fieldName)
    assert.are.same({ Status = "Closed - Converted" }, context.payload)
    assert.are.equal("Converted", context.newValue)
    context = { entities = { AskOptions = "Company", Text = "Acme" } }
    sf.field_name(context, OPTIONS)
    sf.update_payload(context, ENTITY)
    assert.are.same({ "Company", { Company = "Acme" }, "Acme" },
      { context.fieldName, context.payload, context.newValue })
    context.fix = sf.refused_entity(resp(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "no",
      { "Company" }), context, ENTITY)
    assert.are.equal("Text", context.fix)
    sf.forget_refused(context)
    assert.is_nil(context.entities.Text)
    assert.is_nil(sf.refused_entity(resp(400, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "no",
      { "Phone" }), context, ENTITY))
  end)

  it("gives a duplicate a View button to the record it matched", function()
    local context = { subDomainService = { response = { statusCode = 200,
      body = { instance_url = "https://acme.my.salesforce.com" } } } }
    local dup = { statusCode = 400, body = { { errorCode = "DUPLICATES_DETECTED",
      message = "Use one of these records?", duplicateResult = { matchResults = { {
        matchRecords = { { record = { Id = "00Q1", Name = "Ada" } } } } } } } } }
    assert.are.same(sf.card("https://acme.my.salesforce.com", "Lead", "00Q1",
      "Salesforce found a duplicate lead: it matches Ada (00Q1). Use one of these records?"),
      sf.failed(context, dup, "lead", "Lead"))
    assert.are.equal("I could not find that lead in Salesforce (404 - No Record Found).",
      sf.failed(context, resp(404, "NOT_FOUND", "gone"), "lead", "Lead"))
  end)

  it("names the records a duplicate rule matched", function()
    local function dup(records)
      local match = {}
      for i, r in ipairs(records) do match[i] = { record = r } end
      return { statusCode = 400, body = { { errorCode = "DUPLICATES_DETECTED",
        message = "Use one of these records?", duplicateResult = { matchResults = {
          { matchRecords = match } } } } } }
    end
    assert.are.equal("Salesforce found a duplicate lead: it matches Ada Lovelace "
      .. "(00Q1). Use one of these records?",
      sf.failure(dup{ { Id = "00Q1", Name = "Ada Lovelace" } }, "lead"))
    assert.are.equal("Salesforce found a duplicate lead: it matches 00Q1, 00Q2, B (00Q3) "
      .. "and 1 more. Use one of these records?", sf.failure(dup{ { Id = "00Q1" },
        { Id = "00Q2" }, { Id = "00Q3", Name = "B" }, { Id = "00Q4" } }, "lead"))
  end)

  it("reads the org's host from the user's identity, once per client", function()
    local calls, refreshed = {}, 0
    local identity = { urls = { custom_domain = "https://acme.my.salesforce.com",
      rest = "https://na1.salesforce.com/services/data/v{version}/" } }
    local answers = { { nil, { status = 403, message = "Bad_OAuth_Token" } }, { identity } }
    local client = { instance_url = "https://na1.salesforce.com" }
    function client.call(_, method, path)
      calls[#calls + 1] = method .. " " .. path
      return table.unpack(table.remove(answers, 1))
    end
    function client.refresh() refreshed = refreshed + 1; return true end
    -- an expired token: renewed once, then the My Domain
    assert.are.same({ instance_url = "https://acme.my.salesforce.com" }, sf.subdomain(client))
    assert.are.same({ instance_url = "https://acme.my.salesforce.com" }, sf.subdomain(client))
    assert.are.same({ "GET /services/oauth2/userinfo", "GET /services/oauth2/userinfo" }, calls)
    assert.are.equal(1, refreshed)
    -- without a My Domain, the REST URL's host; a failure is nil, err
    local other = { instance_url = "https://x" }
    function other.call() return { urls = { rest = identity.urls.rest } } end
    assert.are.same({ instance_url = "https://na1.salesforce.com" }, sf.subdomain(other))
    -- no identity (a token without the id scope): the token response's instance
    local refused = { instance_url = "https://y.my.salesforce.com", refresh = function()
      return nil end }
    function refused.call() return nil, { status = 403, message = "Insufficient_Scope" } end
    assert.are.same({ instance_url = "https://y.my.salesforce.com" }, sf.subdomain(refused))
  end)

  it("names a record after an update by its new name", function()
    local lead = { Name = "Jane Smith", FirstName = "Jane", LastName = "Smith" }
    assert.are.equal("Jane Smythe", sf.updated_name(lead, { LastName = "Smythe" }))
    assert.are.equal("Ada Smith", sf.updated_name(lead, { FirstName = "Ada" }))
    assert.are.equal("Jane Smith", sf.updated_name(lead, { Title = "CEO" }))
    assert.are.equal("Knuth", sf.updated_name({ Name = "Knuth", LastName = "Knuth" },
      { LastName = "Knuth" }))
    assert.are.equal("Renewal II", sf.updated_name({ Name = "Renewal" }, { Name = "Renewal II" }))
  end)
end)
