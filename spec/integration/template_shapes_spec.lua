-- The action templates' conversation tests against the emulator's org
-- shapes (scripts/templates/salesforce/tests/shapes): picklists whose
-- labels differ from their values, an inactive value, a dependent
-- picklist, a duplicate rule, a validation rule, a user without
-- permission, an org with the API disabled, the daily API limit reached
-- and a server error; what the templates sent read back from the log.
local helper = require "spec.helper"

package.cpath = helper.module_dir .. "/?.so;" .. package.cpath

local TESTS = helper.source_dir .. "/scripts/templates/salesforce/tests/shapes/"
local V = "/services/data/v62.0"

describe("the templates against org shapes", function()
  local emu, ws, env

  setup(function()
    emu = helper.emulator{ https = true }
    env, ws = helper.authorized_workspace(emu)
  end)

  teardown(function()
    emu.stop()
    helper.run({ "rm", "-rf", ws })
  end)

  -- A fresh org with two leads, the workspace logged in again.
  before_each(function()
    emu.control("POST", "/reset")
    local _, err, status = helper.luaforce({ "auth", "login", "--client-credentials" },
      { env = env })
    assert.are.equal(0, status, err)
    emu.control("POST", "/seed", { sobject = "Lead", records = {
      { FirstName = "Ada", LastName = "Lovelace", Company = "Analytical Engines",
        LeadSource = "Web", CreatedDate = "2026-01-05T09:00:00.000+0000" },
      { FirstName = "Grace", LastName = "Hopper", Company = "Navy",
        CreatedDate = "2026-01-05T09:00:00.000+0000" } } })
    emu.control("DELETE", "/log")
  end)

  local function play(file)
    local out, err, status = helper.luaforce({ "dialog", "test", TESTS .. file }, { env = env })
    assert.are.equal(0, status, out .. err)
    assert.is_nil(out:find("FAIL", 1, true))
    return out
  end

  local function writes(prefix)
    local out = {}
    for _, r in ipairs(emu.control("GET", "/log?path=" .. prefix).requests) do
      if r.method ~= "GET" then out[#out + 1] = { r.method, r.path, r.json } end
    end
    return out
  end

  it("picklist labels, an inactive value, a dependent picklist and the org's rules", function()
    emu.control("POST", "/shapes", {
      picklists = { Lead = {
        Status = {
          { value = "Open - Not Contacted", label = "New", default = true },
          { value = "Working - Contacted", label = "Working" },
          { value = "Nurturing", active = false },
          { value = "Closed - Converted", label = "Converted" },
          { value = "Closed - Not Converted", label = "Not Converted" } },
        Industry = { controller = "LeadSource", restricted = true, values = {
          { value = "Banking", valid_for = { "Web", "Other" } },
          { value = "Retail", valid_for = { "Purchased List" } },
          { value = "Media", valid_for = { "Web" } } } } } },
      duplicate_rules = { Lead = { { fields = { "LastName", "Company" } } } },
      validation_rules = { Opportunity = { { field = "CloseDate",
        message = "The close date cannot be before 2026.",
        when = { { field = "CloseDate", less_than = "2026-01-01" } } } } } })
    play("org.dialogtest")
    local L = V .. "/sobjects/Lead"
    -- labels offered, values sent; the duplicate asked for the match's details
    assert.are.same({
      { "PATCH", L .. "/00Q5g0000000001EAA", { Status = "Closed - Converted" } },
      { "PATCH", L .. "/00Q5g0000000001EAA", { Status = "Closed - Not Converted" } },
      { "PATCH", L .. "/00Q5g0000000001EAA", { Industry = "Banking" } },
      { "POST", L, { FirstName = "Ada", LastName = "Lovelace",
        Company = "analytical engines" } },
    }, writes(L))
    local post = emu.control("GET", "/log?path=" .. L).requests
    assert.are.equal("includeRecordDetails=true",
      post[#post].headers["sforce-duplicate-rule-header"])
    assert.are.same({ { "POST", V .. "/sobjects/Opportunity", { Name = "Old Deal",
      CloseDate = "2025-06-30", StageName = "Prospecting" } } },
      writes(V .. "/sobjects/Opportunity"))
    assert.are.equal(2, #emu.control("GET", "/records?sobject=Lead").records)
  end)

  it("a user without permission on Lead and Opportunity", function()
    emu.control("POST", "/user", { username = "dev@example.com",
      object_access = { Lead = "read", Opportunity = "none" } })
    play("no_permission.dialogtest")
    assert.are.equal(2, #emu.control("GET", "/records?sobject=Lead").records)
  end)

  it("an org with the API disabled", function()
    emu.control("POST", "/org", { api_enabled = false })
    play("api_disabled.dialogtest")
  end)

  it("the daily API limit reached", function()
    local limits = emu.control("GET", "/limits")
    emu.control("POST", "/limits", { used = limits.max })
    play("rate_limit.dialogtest")
  end)

  it("a server error", function()
    emu.control("POST", "/faults", { method = "POST", path = V .. "/sobjects/Lead",
      status = 503, count = 1, json = { { errorCode = "SERVER_UNAVAILABLE",
        message = "Server temporarily unavailable" } } })
    play("server_error.dialogtest")
    assert.are.equal(2, #emu.control("GET", "/records?sobject=Lead").records)
  end)
end)
