-- The Salesforce action templates against the HTTPS emulator: their
-- conversation tests (scripts/templates/salesforce/tests) on a seeded org
-- with the requests they sent read back from the emulator's log; their
-- messages for Salesforce's failures; `luaforce templates` installing a
-- bot that routes at once; the templates over JSON lines.
local helper = require "spec.helper"
local cjson = require "cjson"

package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
require "salesforce"

local TEMPLATES = helper.source_dir .. "/scripts/templates/salesforce"
local V = "/services/data/v62.0"

describe("the Salesforce action templates", function()
  local emu, ws, env

  setup(function()
    emu = helper.emulator{ https = true }
    env, ws = helper.authorized_workspace(emu)
  end)

  teardown(function()
    emu.stop()
    helper.run({ "rm", "-rf", ws })
  end)

  -- A fresh org (ids start again at 1) with seven leads and one
  -- opportunity, as the conversation tests expect, all created at one time
  -- (lists order them by Id then); the workspace logs in again.
  local function fresh_org()
    emu.control("POST", "/reset")
    local _, err, status = helper.luaforce({ "auth", "login", "--client-credentials" },
      { env = env })
    assert.are.equal(0, status, err)
    local leads = {
      { FirstName = "Ada", LastName = "Lovelace", Company = "Analytical Engines",
        Email = "ada@engines.example", LeadSource = "Web" },
      { FirstName = "John", LastName = "Smith", Company = "Smith & Sons" },
      { FirstName = "Jane", LastName = "Smith", Company = "Acme" },
      { LastName = "Hopper", Company = "Navy" }, { LastName = "Turing", Company = "Bletchley" },
      { LastName = "Knuth", Company = "Stanford" }, { LastName = "Liskov", Company = "MIT" } }
    local opportunities = {
      { Name = "Engines Renewal", CloseDate = "2026-12-31", StageName = "Prospecting" } }
    for _, r in ipairs(leads) do r.CreatedDate = "2026-01-05T09:00:00.000+0000" end
    opportunities[1].CreatedDate = "2026-01-05T09:00:00.000+0000"
    emu.control("POST", "/seed", { sobject = "Lead", records = leads })
    emu.control("POST", "/seed", { sobject = "Opportunity", records = opportunities })
    emu.control("DELETE", "/log")
  end

  local function sent(prefix)
    return emu.control("GET", "/log?path=" .. prefix).requests
  end

  local function calls(prefix)
    local out = {}
    for _, r in ipairs(sent(prefix)) do
      out[#out + 1] = { r.method, r.path, r.json }
    end
    return out
  end

  local function play(file)
    local out, err, status = helper.luaforce({ "dialog", "test", TEMPLATES .. "/tests/" .. file },
      { env = env })
    assert.are.equal(0, status, out .. err)
    assert.is_nil(out:find("FAIL", 1, true))
    return out
  end

  -- `dialog run` of the templates over an answers file: the bot's lines.
  local function answers(lines, target)
    local path = helper.tempfile(table.concat(lines, "\n") .. "\n", ".txt")
    local out, err, status = helper.luaforce({ "dialog", "run", target or TEMPLATES,
      "--answers", path }, { env = env })
    os.remove(path)
    assert.are.equal(0, status, err)
    return out
  end

  it("plays the Lead templates' conversations and sends what they say", function()
    fresh_org()
    local out = play("leads.dialogtest")
    local _, oks = out:gsub("\nok ", "")
    assert.are.equal(22 - 1, oks) -- the first line has no newline before it
    local L = V .. "/sobjects/Lead"
    assert.are.same({
      { "POST", L, { FirstName = "Grace", LastName = "Hopper", Company = "Compilers & Co" } },
      -- once for the process (cached): the search's status labels, the picklists
      { "GET", L .. "/describe" },
      { "GET", L .. "/00Q5g0000000001EAA" }, { "GET", L .. "/00Q5g0000000006EAA" },
      { "GET", L .. "/00Q5g0000000099EAA" },
      -- an update reads the lead first: an unknown one is said before any question
      { "GET", L .. "/00Q5g0000000099EAA" },
      { "GET", L .. "/00Q5g0000000002EAA" },
      { "PATCH", L .. "/00Q5g0000000002EAA", { Status = "Working - Contacted" } },
      { "GET", L .. "/00Q5g0000000002EAA" }, -- the field and status said with the request
      { "PATCH", L .. "/00Q5g0000000002EAA", { Status = "Working - Contacted" } },
      { "GET", L .. "/00Q5g0000000002EAA" },
      { "PATCH", L .. "/00Q5g0000000002EAA", { Status = "Closed - Not Converted" } },
      { "GET", L .. "/00Q5g0000000003EAA" },
      { "PATCH", L .. "/00Q5g0000000003EAA", { MobilePhone = "+15550102030" } },
      { "GET", L .. "/00Q5g0000000003EAA" },
      { "PATCH", L .. "/00Q5g0000000003EAA", { Company = "Acme Rockets" } },
      { "GET", L .. "/00Q5g0000000003EAA" },
      { "PATCH", L .. "/00Q5g0000000003EAA", { Title = ("T"):rep(129) } },
      { "PATCH", L .. "/00Q5g0000000003EAA", { Title = "Chief Engineer" } }, -- corrected
      { "GET", L .. "/00Q5g0000000003EAA" },
      { "PATCH", L .. "/00Q5g0000000003EAA", { LastName = "Smythe" } },
      { "GET", L .. "/00Q5g0000000004EAA" }, { "GET", L .. "/00Q5g0000000004EAA" },
      { "DELETE", L .. "/00Q5g0000000004EAA" },
      { "GET", L .. "/00Q5g0000000004EAA" }, -- gone: nothing deleted again
    }, calls(L))
    -- the list is one query with no user text; the keyword only in SOSL, escaped
    local queries = sent(V .. "/query")
    assert.are.equal(3, #queries)
    for _, q in ipairs(queries) do
      assert.are.equal("SELECT Id, Name, Company, toLabel(Status) FROM Lead ORDER BY "
        .. "CreatedDate DESC, "
        .. "Id DESC LIMIT 200", helper.query_params(q).q)
    end
    local searches = sent(V .. "/search")
    assert.are.equal(5, #searches)
    -- the keyword said with the request, searched at once
    assert.truthy(helper.query_params(searches[1]).q:find('FIND {"Smith"}', 1, true))
    assert.truthy(helper.query_params(searches[3]).q:find('FIND {"Knuth"}', 1, true))
  end)

  it("plays the Opportunity and Lead Capture conversations and sends what they say", function()
    fresh_org()
    play("opportunities.dialogtest")
    local O = V .. "/sobjects/Opportunity"
    assert.are.same({
      { "GET", O .. "/describe" },
      { "POST", O, { Name = "Boiler Deal", CloseDate = "2026-12-31", StageName = "Prospecting" } },
      { "POST", O, { Name = "Big Deal", CloseDate = "2026-12-31", StageName = "Closed Won" } },
      { "GET", O .. "/0065g0000000001AAA" },
      { "GET", O .. "/0065g0000000001AAA" }, -- an update reads it first
      { "PATCH", O .. "/0065g0000000001AAA", { StageName = "Negotiation/Review" } },
      { "GET", O .. "/0065g0000000001AAA" },
      { "PATCH", O .. "/0065g0000000001AAA", { StageName = "Closed Lost" } },
      { "GET", O .. "/0065g0000000001AAA" },
      { "PATCH", O .. "/0065g0000000001AAA", { Amount = 12000 } },
      { "GET", O .. "/0065g0000000001AAA" }, -- a deletion names the record first
      { "DELETE", O .. "/0065g0000000001AAA" }, { "GET", O .. "/0065g0000000001AAA" },
    }, calls(O))
    -- Lead Capture: the fields answered, nothing for the one skipped, once
    assert.are.same({ { "POST", V .. "/sobjects/Lead", { LastName = "Hopper", Company = "Navy",
      Email = "grace@navy.example" } } }, calls(V .. "/sobjects/Lead"))
  end)

  -- The conversation tests of tests/shapes, each against an org an admin
  -- customised (set up here), on the org of fresh_org (whose Ada Lovelace
  -- came from the Web).
  describe("against org shapes", function()
    local SHAPES = TEMPLATES .. "/tests/shapes/"

    before_each(fresh_org)

    local function play_shape(file)
      local out, err, status = helper.luaforce({ "dialog", "test", SHAPES .. file },
        { env = env })
      assert.are.equal(0, status, out .. err)
      assert.is_nil(out:find("FAIL", 1, true))
    end

    local function writes(prefix)
      local out = {}
      for _, c in ipairs(calls(prefix)) do
        if c[1] ~= "GET" then out[#out + 1] = c end
      end
      return out
    end

    local function count(sobject)
      return #emu.control("GET", "/records?sobject=" .. sobject).records
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
      play_shape("org.dialogtest")
      local L = V .. "/sobjects/Lead"
      -- labels offered, values sent; the duplicate asked for the match's details
      assert.are.same({
        { "PATCH", L .. "/00Q5g0000000001EAA", { Status = "Closed - Converted" } },
        { "PATCH", L .. "/00Q5g0000000001EAA", { Status = "Closed - Not Converted" } },
        { "PATCH", L .. "/00Q5g0000000002EAA", { Status = "Closed - Not Converted" } },
        { "PATCH", L .. "/00Q5g0000000001EAA", { Industry = "Banking" } },
        { "POST", L, { FirstName = "Ada", LastName = "Lovelace",
          Company = "analytical engines" } },
      }, writes(L))
      local post
      for _, r in ipairs(emu.control("GET", "/log?path=" .. L).requests) do
        if r.method == "POST" then post = r end
      end
      assert.are.equal("includeRecordDetails=true", post.headers["sforce-duplicate-rule-header"])
      assert.are.same({ { "POST", V .. "/sobjects/Opportunity", { Name = "Old Deal",
        CloseDate = "2025-06-30", StageName = "Prospecting" } }, { "POST",
        V .. "/sobjects/Opportunity", { Name = "Old Deal", CloseDate = "2026-03-31",
        StageName = "Prospecting" } },
        { "PATCH", V .. "/sobjects/Opportunity/0065g0000000001AAA", { CloseDate = "2025-01-15" } },
        { "PATCH", V .. "/sobjects/Opportunity/0065g0000000001AAA", { CloseDate = "2026-06-30" } },
      }, writes(V .. "/sobjects/Opportunity"))
      assert.are.equal(7, count("Lead"))
    end)

    it("a user without permission on Lead and Opportunity", function()
      emu.control("POST", "/user", { username = "dev@example.com",
        object_access = { Lead = "read", Opportunity = "none" } })
      play_shape("no_permission.dialogtest")
      assert.are.equal(7, count("Lead"))
    end)

    it("an org with the API disabled", function()
      emu.control("POST", "/org", { api_enabled = false })
      play_shape("api_disabled.dialogtest")
    end)

    it("the daily API limit reached", function()
      local limits = emu.control("GET", "/limits")
      emu.control("POST", "/limits", { used = limits.max })
      play_shape("rate_limit.dialogtest")
    end)

    it("a server error", function()
      emu.control("POST", "/faults", { method = "POST", path = V .. "/sobjects/Lead",
        status = 503, count = 1, json = { { errorCode = "SERVER_UNAVAILABLE",
          message = "Server temporarily unavailable" } } })
      play_shape("server_error.dialogtest")
      assert.are.equal(7, count("Lead"))
    end)

    it("Lead Capture offers a dependent picklist's values for the answer it depends on",
      function()
        emu.control("POST", "/shapes", { picklists = { Lead = {
          Industry = { controller = "LeadSource", restricted = true, values = {
            { value = "Retail Banking", valid_for = { "Web", "Other" } },
            { value = "Retail Goods", valid_for = { "Purchased List" } } } },
          -- a checkbox controls it: validFor's bits are false, then true
          Rating = { controller = "DoNotCall", restricted = true, values = {
            { value = "Hot Call", valid_for = { false } },
            { value = "Hot Mail", valid_for = { true } } } } } } })
        local dir = os.tmpname()
        os.remove(dir)
        local _, err, status = helper.luaforce({ "templates", "install", "lead_capture",
          "--into", dir, "--fields", "LastName,Company,LeadSource,Industry,DoNotCall,Rating" },
          { env = env })
        assert.are.equal(0, status, err)
        local test = helper.tempfile(table.concat({ "@bot " .. dir, "@test dependent",
          "bot~ .*", "user: talk to sales", "bot: Your last name?", "user: Hopper",
          "bot: Your company?", "user: Navy", "bot: Your lead source (or 'skip')? Web, "
            .. "Phone Inquiry, Partner Referral, Purchased List or Other",
          -- only the values valid for Purchased List are offered; "retail"
          -- names one of those (of all, two)
          "user: purchased list", "bot: Your industry (or 'skip')? Retail Goods",
          "user: retail", "bot: Do Not Call? (yes or no, or 'skip')", "user: yes",
          "bot: Your rating (or 'skip')? Hot Mail", "user: hot",
          "bot: Shall I send your details to our team?", "user: yes",
          "bot~ Thank you! Your details were saved %(lead 00Q%w+%)%.", "bot~ %[View Lead%] .*",
        }, "\n") .. "\n", ".dialogtest")
        local out
        out, err, status = helper.luaforce({ "dialog", "test", test }, { env = env })
        os.remove(test)
        helper.remove_tree(dir)
        assert.are.equal(0, status, out .. err)
        assert.are.same({ { "POST", V .. "/sobjects/Lead", { LastName = "Hopper",
          Company = "Navy", LeadSource = "Purchased List", Industry = "Retail Goods",
          DoNotCall = true, Rating = "Hot Mail" } } },
          writes(V .. "/sobjects/Lead"))
      end)
  end)

  describe("tells the end user what went wrong", function()
    local CREATE = { "create a lead", "Ada", "Lovelace", "Engines" }
    local function failing(fault, lines)
      emu.control("DELETE", "/faults")
      fault.method, fault.path = fault.method or "POST", fault.path or V .. "/sobjects/Lead"
      emu.control("POST", "/faults", fault)
      local out = answers(lines or CREATE)
      emu.control("DELETE", "/faults")
      return out:match("user: Engines\nbot: ([^\n]*)") or out
    end

    it("a duplicate rule, with Salesforce's message", function()
      assert.are.equal("Salesforce found a duplicate lead: Use one of these records?",
        failing{ status = 400, json = { { errorCode = "DUPLICATES_DETECTED",
          message = "Use one of these records?", duplicateResult = {
            duplicateRule = "Standard_Lead_Duplicate_Rule", matchResults = {} } } } })
    end)

    it("a validation rule, naming the field", function()
      assert.are.equal("Salesforce did not accept the lead (Company): Company: a company "
        .. "needs a country", failing{ status = 400, json = { {
          errorCode = "FIELD_CUSTOM_VALIDATION_EXCEPTION",
          message = "Company: a company needs a country", fields = { "Company" } } } })
    end)

    it("a rate limit, as a 403 list or a 429 single object", function()
      local busy = "Salesforce is busy (its API request limit was reached). Please try again "
        .. "later."
      assert.are.equal(busy, failing{ status = 403, json = { {
        errorCode = "REQUEST_LIMIT_EXCEEDED", message = "TotalRequests Limit exceeded." } } })
      assert.are.equal(busy, failing{ status = 429, json = {
        errorCode = "REQUEST_LIMIT_EXCEEDED", message = "API request limit reached" } })
    end)

    it("no permission, and a server error after the retries", function()
      assert.are.equal("You do not have permission to do that in Salesforce: insufficient "
        .. "access rights on object id", failing{ status = 400, json = { {
          errorCode = "INSUFFICIENT_ACCESS_OR_READONLY",
          message = "insufficient access rights on object id" } } })
      assert.are.equal("Salesforce had a problem (HTTP 500). Please try again later.",
        failing{ status = 500, count = 10, json = { { errorCode = "UNKNOWN_EXCEPTION",
          message = "An unexpected error occurred." } } })
    end)

    it("an authorization Salesforce no longer accepts", function()
      assert.are.equal("I need you to authorize Salesforce again before I can do that.",
        failing{ status = 401, count = 10, json = { { errorCode = "INVALID_SESSION_ID",
          message = "Session expired or invalid" } } })
    end)
  end)

  describe("luaforce templates", function()
    local dir
    before_each(function()
      dir = os.tmpname()
      os.remove(dir)
    end)
    after_each(function() helper.remove_tree(dir) end)

    it("lists the templates, as text or JSON", function()
      local out, err, status = helper.luaforce({ "templates", "list", "--json" })
      assert.are.equal(0, status, err)
      local names = {}
      for _, t in ipairs(cjson.decode(out)) do names[#names + 1] = t.name .. "=" .. t.title end
      assert.are.same({ "lead_capture=Lead Capture", "lead_create=Create a Lead",
        "lead_delete=Delete a Lead", "lead_list=List All Leads", "lead_search=Search Leads",
        "lead_update=Update a Lead", "lead_view=View a Lead by Id",
        "opportunity_create=Create an Opportunity", "opportunity_delete=Delete an Opportunity",
        "opportunity_list=List Opportunities", "opportunity_search=Search Opportunities",
        "opportunity_update=Update an Opportunity", "opportunity_view=View an Opportunity" },
        names)
      out = helper.luaforce({ "templates", "list" })
      assert.truthy(out:find("\nlead_view%s+View a Lead by Id\n"))
    end)

    it("installs a bot that routes each request to its template at once", function()
      local out, err, status = helper.luaforce({ "templates", "install", "--all", "--into",
        dir })
      assert.are.equal(0, status, err)
      assert.truthy(out:find("created " .. dir .. "/bot.lua", 1, true))
      local test = helper.tempfile(table.concat({
        "@bot " .. dir,
        "@test routes",
        "bot: Hi! I can help you with Salesforce: Lead Capture, Create a Lead, Delete a Lead, "
          .. "List All Leads, Search Leads, Update a Lead, View a Lead by Id, Create an "
          .. "Opportunity, Delete an Opportunity, List Opportunities, Search Opportunities, "
          .. "Update an Opportunity, View an Opportunity.",
        "user: create a lead", "bot: What is the lead's first name?", "user: cancel",
        "bot: OK, I have cancelled that.",
        "user: update lead 00Q5g0000000001EAA",
        "bot: Which field should I change: status, title, mobile phone, email, phone, company, "
          .. "first name, last name, lead source or industry?", "user: cancel",
        "bot: OK, I have cancelled that.",
        "user: show me leads", "bot~ I found %d+ leads:", "bot~ %d%. .*", "bot~ %d%. .*",
        "bot~ %d%. .*", "bot~ %d%. .*", "bot~ %d%. .*", "bot~ %d+ more: say 'more'.*",
        "user: no", "user: find leads named Smith", "bot: I found 2 leads matching 'Smith':",
        "bot~ 1%. John Smith .*", "bot~ 2%. Jane Smith .*",
        "user: delete lead 00Q5g0000000001EAA",
        "bot: Delete lead Ada Lovelace (00Q5g0000000001EAA)? This cannot be undone here.",
        "user: no", "bot: OK, the lead stays.",
        "user: new opportunity", "bot: What is the opportunity's name?",
      }, "\n") .. "\n", ".dialogtest")
      fresh_org()
      out, err, status = helper.luaforce({ "dialog", "test", test }, { env = env })
      os.remove(test)
      assert.are.equal(0, status, out .. err)
      -- the bot declares the standard responses of the integration
      local bot = assert(io.open(dir .. "/bot.lua")):read("a")
      for _, r in ipairs{ "needs_authorization", "integration_disabled", "integration_error" } do
        assert.truthy(bot:find(r .. " =", 1, true), r)
      end
    end)

    it("never overwrites an edited task without --force; status shows it", function()
      assert.are.equal(0, select(3, helper.luaforce({ "templates", "install", "lead_view",
        "lead_create", "--into", dir })))
      local f = assert(io.open(dir .. "/lead_view.lua", "a"))
      f:write("-- edited\n")
      f:close()
      local out, err, status = helper.luaforce({ "templates", "status", "--into", dir })
      assert.are.equal(0, status, err)
      assert.are.equal("lead_create          same\nlead_view            edited\n", out)
      out, err, status = helper.luaforce({ "templates", "install", "--all", "--into", dir })
      assert.are.equal(1, status)
      assert.truthy(err:find("lead_view.lua was edited: kept (--force overwrites it)", 1, true))
      assert.truthy(out:find("installed " .. dir .. "/lead_delete.lua\n", 1, true))
      assert.is_nil(out:find("lead_view", 1, true))
      assert.truthy(assert(io.open(dir .. "/lead_view.lua")):read("a"):find("-- edited", 1,
        true))
      out, err, status = helper.luaforce({ "templates", "install", "lead_view", "--force",
        "--into", dir })
      assert.are.equal(0, status, err)
      assert.are.equal("installed " .. dir .. "/lead_view.lua\n", out)
      out = helper.luaforce({ "templates", "status", "--into", dir })
      assert.truthy(out:find("lead_view            same", 1, true))
    end)

    it("refuses an unknown template and a bad command line", function()
      local _, err, status = helper.luaforce({ "templates", "install", "lead_nope" })
      assert.are.equal(2, status)
      assert.truthy(err:find("no template 'lead_nope'", 1, true))
      _, err, status = helper.luaforce({ "templates", "install", "--into", dir })
      assert.are.equal(2, status)
      assert.truthy(err:find("--all", 1, true))
      _, _, status = helper.luaforce({ "templates", "frobnicate" })
      assert.are.equal(2, status)
    end)

    it("types Lead Capture's fields from the org's describe, the required ones added",
      function()
        fresh_org()
        local _, err, status = helper.luaforce({ "templates", "install", "lead_capture",
          "--into", dir, "--fields", "lastname,Email,AnnualRevenue,Status" }, { env = env })
        assert.are.equal(0, status, err)
        local text = assert(io.open(dir .. "/lead_capture.lua")):read("a")
        assert.truthy(text:find([[
  { name = "LastName", label = "Last Name", type = "string" },
  { name = "Email", label = "Email", type = "email", optional = true },
  { name = "AnnualRevenue", label = "Annual Revenue", type = "number", optional = true },
  { name = "Status", label = "Status", type = "picklist", optional = true },
  { name = "Company", label = "Company", type = "string" },
}]], 1, true))
        local out = helper.luaforce({ "templates", "status", "--into", dir })
        assert.are.equal("lead_capture         same\n", out)
        out = answers({ "talk to sales", "Hopper", "grace@navy.example", "1.5M",
          "Working - Contacted", "Navy", "yes" }, dir)
        assert.truthy(out:find("Thank you! Your details were saved", 1, true), out)
        assert.are.same({ { "GET", V .. "/sobjects/Lead/describe" }, -- at install
          { "GET", V .. "/sobjects/Lead/describe" }, -- the Status picklist's values
          { "POST", V .. "/sobjects/Lead", { LastName = "Hopper",
          Email = "grace@navy.example", AnnualRevenue = 1500000,
          Status = "Working - Contacted", Company = "Navy" } } },
          calls(V .. "/sobjects/Lead"))
        _, err, status = helper.luaforce({ "templates", "install", "lead_capture", "--force",
          "--into", dir, "--fields", "FirstName,Nope" }, { env = env })
        assert.are.equal(1, status)
        assert.truthy(err:find("Lead has no field 'Nope'", 1, true))
      end)
  end)

  it("runs unchanged over JSON lines, the View button a URL to the record", function()
    fresh_org()
    local lines = {}
    for _, l in ipairs{ { event = "start" }, { text = "new lead" }, { text = "Ada" },
      { text = "Byron" }, { text = "Engines" } } do
      lines[#lines + 1] = cjson.encode(l)
    end
    local out, err, status = helper.luaforce({ "dialog", "run", TEMPLATES, "--jsonl" },
      { env = env, stdin = table.concat(lines, "\n") .. "\n" })
    assert.are.equal(0, status, err)
    local last
    for line in out:gmatch("[^\n]+") do
      local m = cjson.decode(line)
      if m.type == "message" then last = m end
    end
    local id = emu.control("GET", "/records?sobject=Lead").records[8].Id
    assert.are.same({ type = "button",
      text = "Lead Ada Byron (Engines) was created. ID: " .. id,
      buttons = { { type = "url", title = "View Lead",
        url = emu.url .. "/lightning/r/Lead/" .. id .. "/view" } } }, last.rich)
  end)

  it("the demo script plays the five templates' conversation and counts the records",
    function()
      -- under `tools/dev asan` the sanitizer runtime is preloaded for lua5.4;
      -- curl deadlocks at start with it, and a sanitized luaforce links it
      local out, err, status = helper.run({ helper.source_dir
        .. "/scripts/examples/templates_demo.sh" }, { env = { LUAFORCE_BIN = helper.bin,
        LD_PRELOAD = "" } })
      assert.are.equal(0, status, err)
      for _, line in ipairs{ "user: create a lead", "user: find leads named Lovelace",
        -- a picklist's prompt offers its values (the org's, as describe gives them)
        "bot: Which status? Open - Not Contacted, Working - Contacted, Closed - Converted or "
          .. "Closed - Not Converted",
        "bot: Which stage is it in? Prospecting, Qualification, Needs Analysis, Value "
          .. "Proposition, Id. Decision Makers, Perception Analysis, Proposal/Price Quote, "
          .. "Negotiation/Review, Closed Won or Closed Lost",
        "bot: Lead Ada Lovelace (00Q5g0000000001EAA) was updated: status is now Working - "
          .. "Contacted.",
        "bot: Lead Ada Lovelace (00Q5g0000000001EAA) was deleted." } do
        assert.truthy(out:find(line .. "\n", 1, true), line)
      end
      assert.matches("\nbot: Opportunity Analytical Engine, second order %(Prospecting, closes "
        .. "2026%-12%-31%) was created%. ID: 006%w+\n", out)
      assert.matches("== the emulator's records\nLead: 0\nOpportunity: 1\n$", out)
    end)
end)
