-- The salesforce module against the emulator's org shapes (what an org
-- does to a write): a duplicate rule, a validation rule, a read-only
-- object, an org with the API disabled and a customised picklist each
-- come back as the structured error (or value) that the templates'
-- message scripts read, with what was sent read back from the request log.
local helper = require "spec.helper"

package.cpath = helper.module_dir .. "/?.so;" .. package.cpath -- for emu.client

local API = "/services/data/v62.0"
local emu, sf

local function control(method, path, body) return emu.control(method, path, body) end

local function writes(path)
  local out = {}
  for _, e in ipairs(emu.sent(API .. path)) do
    if e.method ~= "GET" then out[#out + 1] = e end
  end
  return out
end

local function stored(sobject)
  return control("GET", "/records?sobject=" .. sobject).records
end

describe("org shapes", function()
  setup(function()
    emu = helper.emulator({ https = true })
  end)

  teardown(function() emu.stop() end)

  before_each(function()
    control("POST", "/reset")
    sf = emu.client()
    control("DELETE", "/log")
  end)

  after_each(function() sf:close() end)

  it("a duplicate rule: DUPLICATES_DETECTED, not retried, nothing stored", function()
    control("POST", "/shapes", { duplicate_rules = { Lead = { { fields = { "Email" } } } } })
    local id1 = assert(sf:create("Lead", { LastName = "Doe", Company = "Acme",
      Email = "ada@example.com" }))
    local id, err = sf:create("Lead", { LastName = "Roe", Company = "Beta",
      Email = "ADA@example.com" })
    assert.is_nil(id)
    assert.are.equal("salesforce", err.kind)
    assert.are.equal(400, err.status)
    assert.are.equal("DUPLICATES_DETECTED", err.error_code)
    assert.are.equal("Use one of these records?", err.errors[1].message)
    -- the rule and the matched record are kept for the caller to show
    local dup = err.errors[1].duplicateResult
    assert.are.equal(1, #dup.matchResults[1].matchRecords)
    assert.are.equal(id1, dup.matchResults[1].matchRecords[1].record.Id)
    assert.is_false(err.retryable)
    assert.are.equal(2, #writes("/sobjects/Lead"))
    assert.are.equal(1, #stored("Lead"))
  end)

  it("an alert rule lets the save through with the duplicate rule header", function()
    control("POST", "/shapes", { duplicate_rules = { Lead = { {
      fields = { "LastName", "Company" }, action = "allow" } } } })
    assert(sf:create("Lead", { LastName = "Doe", Company = "Acme" }))
    local body, status = sf:request{ method = "POST", path = "/sobjects/Lead",
      body = { LastName = "Doe", Company = "Acme" },
      headers = { ["Sforce-Duplicate-Rule-Header"] = "allowSave=true" } }
    assert.are.equal(201, status)
    assert.is_true(body.success)
    local sent = writes("/sobjects/Lead")
    assert.are.equal("allowSave=true", sent[#sent].headers["sforce-duplicate-rule-header"])
    assert.are.equal(2, #stored("Lead"))
  end)

  it("a validation rule: FIELD_CUSTOM_VALIDATION_EXCEPTION naming the field", function()
    control("POST", "/shapes", { validation_rules = { Lead = { {
      field = "Phone", message = "Web leads need a phone number",
      when = { { field = "LeadSource", equals = "Web" },
        { field = "Phone", blank = true } } } } } })
    local id, err = sf:create("Lead", { LastName = "Doe", Company = "Acme", LeadSource = "Web" })
    assert.is_nil(id)
    assert.are.equal("FIELD_CUSTOM_VALIDATION_EXCEPTION", err.error_code)
    assert.are.same({ "Phone" }, err.fields)
    assert.are.equal("Web leads need a phone number", err.errors[1].message)
    assert.matches("Web leads need a phone number [fields: Phone]", tostring(err), 1, true)
    assert(sf:create("Lead", { LastName = "Doe", Company = "Acme", LeadSource = "Web",
      Phone = "555 0100" }))
  end)

  it("a read-only object: INSUFFICIENT_ACCESS_OR_READONLY on writes, reads work", function()
    local id = assert(sf:create("Lead", { LastName = "Doe", Company = "Acme" }))
    control("POST", "/user", { username = "dev@example.com", object_access = { Lead = "read" } })
    local ok, err = sf:update("Lead", id, { Title = "CEO" })
    assert.is_nil(ok)
    assert.are.equal("INSUFFICIENT_ACCESS_OR_READONLY", err.error_code)
    assert.is_false(err.retryable)
    local _, cerr = sf:create("Lead", { LastName = "Roe", Company = "Acme" })
    assert.are.equal("INSUFFICIENT_ACCESS_OR_READONLY", cerr.error_code)
    assert.are.equal("Doe", assert(sf:get("Lead", id, { "Name" })).Name)
    assert.are.equal(1, sf:count("Lead"))
  end)

  it("an object the user cannot see: a query fails with INVALID_TYPE", function()
    control("POST", "/user", { username = "dev@example.com",
      object_access = { Opportunity = "none" } })
    local page, err = sf:query("SELECT Id FROM Opportunity")
    assert.is_nil(page)
    assert.are.equal("INVALID_TYPE", err.error_code)
    local body, derr = sf:request{ path = "/sobjects/Opportunity/describe" }
    assert.is_nil(body)
    assert.are.equal(404, derr.status)
    assert.are.equal("NOT_FOUND", derr.error_code)
  end)

  it("an org with the API disabled: API_DISABLED_FOR_ORG, no refresh, no retry", function()
    control("POST", "/org", { api_enabled = false })
    local id, err = sf:create("Lead", { LastName = "Doe", Company = "Acme" })
    assert.is_nil(id)
    assert.are.equal(403, err.status)
    assert.are.equal("API_DISABLED_FOR_ORG", err.error_code)
    assert.are.equal("API is not enabled for this Organization or Partner", err.errors[1].message)
    assert.is_false(err.retryable)
    assert.are.equal(0, #emu.sent("/services/oauth2/token"))
    assert.are.equal(1, #writes("/sobjects/Lead"))
  end)

  it("a customised picklist: describe offers labels of the active values", function()
    control("POST", "/shapes", { picklists = { Lead = { Status = {
      { value = "Open - Not Contacted", label = "New", default = true },
      { value = "Nurturing", active = false },
      { value = "Working - Contacted", label = "Working" } } } } })
    local d = assert(sf:request{ path = "/sobjects/Lead/describe" })
    local status
    for _, f in ipairs(d.fields) do
      if f.name == "Status" then status = f end
    end
    local offered = {}
    for _, v in ipairs(status.picklistValues) do
      offered[#offered + 1] = v.label .. "=" .. v.value
    end
    assert.are.same({ "New=Open - Not Contacted", "Working=Working - Contacted" }, offered)
    local _, err = sf:create("Lead", { LastName = "Doe", Company = "Acme", Status = "Nurturing" })
    assert.are.equal("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", err.error_code)
    assert.are.same({ "Status" }, err.fields)
    local id = assert(sf:create("Lead", { LastName = "Doe", Company = "Acme",
      Status = "Working - Contacted" }))
    assert.are.equal("Working - Contacted", sf:get("Lead", id, { "Status" }).Status)
  end)
end)
