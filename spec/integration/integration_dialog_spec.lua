-- The conversation tests of the Salesforce integration
-- (scripts/templates/salesforce/tests/integration.dialogtest and
-- allow_users.dialogtest) against the HTTPS emulator with three org users,
-- and what they sent, read back from the emulator's log: nothing while
-- the integration is disabled or in error, each record created once, by
-- the org user who authorized. Also the directives' parse errors.
local helper = require "spec.helper"
package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
require "salesforce"

local TESTS = helper.source_dir .. "/scripts/templates/salesforce/tests/"
local LEAD = "/services/data/v62.0/sobjects/Lead"

describe("conversation tests of the integration", function()
  local emu, ws, env, config

  setup(function()
    config = helper.tempfile([[{"orgs": [{"users": [
      {"username": "dev@example.com", "approved_apps": ["luaforce-test-client"]},
      {"username": "ada@example.com"}, {"username": "bea@example.com"}]}]}]], ".json")
    emu = helper.emulator{ https = true, config = config }
    env, ws = helper.authorized_workspace(emu)
  end)

  teardown(function()
    emu.stop()
    os.remove(config)
    helper.run({ "rm", "-rf", ws })
  end)

  local function fresh_org() helper.fresh_org(emu, env) end

  local function play(file, n)
    local out, err, status = helper.luaforce({ "dialog", "test", TESTS .. file }, { env = env })
    assert.are.equal(0, status, out .. err)
    local _, oks = ("\n" .. out):gsub("\nok ", "")
    assert.are.equal(n, oks, out)
    return out
  end

  it("plays the disabled, Trial and lost pre-authorization tests; nothing reaches Lead",
    function()
      fresh_org()
      play("integration.dialogtest", 3)
      assert.are.equal(0, #emu.sent(LEAD))
      -- the list of the re-enabled integration, and the one that found the
      -- pre-authorization lost (its 401); none while disabled or once in error
      local lists = 0
      for _, q in ipairs(emu.sent("/services/data/v62.0/query")) do
        if helper.query_params(q).q:find("FROM Lead ORDER BY", 1, true) then lists = lists + 1 end
      end
      assert.are.equal(2, lists)
      -- the file put the workspace's integration back as it was
      local out = helper.luaforce({ "integration", "status" }, { env = env })
      assert.are.equal("salesforce  available\n", out)
    end)

  it("plays the allow-users tests: each record created once, by its own org user", function()
    fresh_org()
    local out = play("allow_users.dialogtest", 2)
    -- every node but the one a validation rule's refusal needs
    assert.truthy(out:find("coverage lead_create: 6/7 nodes (85%); not run: fixValue\n", 1,
      true), out)
    local posts = {}
    for _, r in ipairs(emu.sent(LEAD)) do
      if r.method == "POST" then posts[#posts + 1] = r end
    end
    assert.are.equal(3, #posts)
    assert.are.same({ "Hopper", "Builder", "Shaw" },
      { posts[1].json.LastName, posts[2].json.LastName, posts[3].json.LastName })
    local seen = {}
    for _, p in ipairs(posts) do
      assert.is_nil(seen[p.headers.authorization], "a token was used for two end users")
      seen[p.headers.authorization] = true
    end
    -- each end user's token belongs to the org user who signed in
    local by_token = {}
    for _, t in ipairs(emu.control("GET", "/sessions").access_tokens) do
      by_token["Bearer " .. t.access_token] = t.username
    end
    assert.are.same({ "ada@example.com", "bea@example.com", "dev@example.com" },
      { by_token[posts[1].headers.authorization], by_token[posts[2].headers.authorization],
        by_token[posts[3].headers.authorization] })
    -- every callback's code exchanged once; the end users' tokens revoked at the end
    assert.are.equal(3, #emu.sent("/services/oauth2/token"))
    local out2 = helper.luaforce({ "auth", "status" }, { env = env })
    assert.is_nil(out2:find("example.org", 1, true), out2)
  end)

  it("says that a step needs the emulator when the workspace's org is not one", function()
    local other = os.tmpname()
    os.remove(other)
    local oenv = { LUAFORCE_HOME = other, LUAFORCE_CA_FILE = emu.ca,
      LUAFORCE_ALLOW_LOOPBACK = "1" }
    local base = "https://127.0.0.1:" .. helper.random_port() -- no emulator there
    local _, err, status = helper.luaforce({ "auth", "system", "set", "--client-id", "x",
      "--client-secret", "-", "--login-url", base }, { env = oenv, stdin = "y\n" })
    assert.are.equal(0, status, err)
    local file = helper.tempfile(table.concat({
      "@bot " .. helper.source_dir .. "/scripts/templates/salesforce", "@workspace",
      "@test emulator only", "@emulator POST /org {\"trial\": true}",
      "@test a link to follow", "bot: Hello! How can I help you?", "authorize: dev@example.com",
    }, "\n") .. "\n", ".dialogtest")
    local out
    out, err, status = helper.luaforce({ "dialog", "test", file }, { env = oenv })
    os.remove(file)
    helper.run({ "rm", "-rf", other })
    assert.are.equal(1, status, out .. err)
    assert.truthy(out:find("FAIL " .. file .. ": emulator only: line 4: @emulator failed: error: "
      .. "this step needs the local emulator (spec/emulator), but the workspace's app logs in "
      .. "at " .. base, 1, true), out)
    assert.truthy(out:find("FAIL " .. file .. ": a link to follow: line 7: authorize: the bot "
      .. "sent no link to follow", 1, true), out)
  end)

  it("refuses directives it does not know and those that need @workspace", function()
    local bot = helper.source_dir .. "/scripts/templates/salesforce"
    local function parse_error(lines)
      local file = helper.tempfile("@bot " .. bot .. "\n" .. table.concat(lines, "\n") .. "\n",
        ".dialogtest")
      local out, err, status = helper.luaforce({ "dialog", "test", file }, { env = env })
      os.remove(file)
      assert.are.equal(1, status, out .. err)
      return (out:gsub("^FAIL " .. file:gsub("%p", "%%%0"), "FAIL"))
    end
    assert.matches("^FAIL:3: this directive needs @workspace %(before the tests%)",
      parse_error{ "@test t", "@integration disable salesforce" })
    assert.matches("^FAIL:4: this directive needs @workspace",
      parse_error{ "@test t", "bot: Hello! How can I help you?", "@query SELECT Id FROM Lead" })
    assert.matches("^FAIL:3: expected user:, bot:, bot~, out:, out~, authorize: USER or an @ "
      .. "directive", parse_error{ "@test t", "@nope x" })
    assert.matches("^FAIL:2: a directive before the first @test",
      parse_error{ "@as ann", "@test t" })
    assert.matches("^FAIL:3: not a valid Lua pattern: %[", parse_error{ "@test t", "out~ [" })
  end)
end)
