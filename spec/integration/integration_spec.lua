-- `luaforce integration` and end-user authorization inside a dialog,
-- against the HTTPS emulator: the lifecycle and its refusals, the disabled
-- and error responses in a conversation, and the allow-users flow end to
-- end (link, callback, resume at the same node, the record created once),
-- with replayed and other-session callbacks refused and two end users
-- interleaved, each on their own tokens.
local helper = require "spec.helper"
local cjson = require "cjson"
package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
require "salesforce"

local BOT = helper.source_dir .. "/scripts/examples/bot"
local LEAD = "/services/data/v62.0/sobjects/Lead"

describe("luaforce integration", function()
  local emu, ws, env

  before_each(function()
    emu = emu or helper.emulator{ https = true }
    env, ws = helper.authorized_workspace(emu)
    emu.call("DELETE", "/log")
  end)

  after_each(function()
    helper.run({ "rm", "-rf", ws })
  end)

  teardown(function()
    if emu then emu.stop() end
  end)

  local function lf(args, opts)
    opts = opts or {}
    opts.env = env
    local out, err, status = helper.luaforce(args, opts)
    assert.is_nil((out .. err):find("luaforce-test-secret", 1, true), "a secret was printed")
    return out, err, status
  end

  local function ok(args)
    local out, err, status = lf(args)
    assert.are.equal(0, status, err)
    return out
  end

  local function status_json()
    return cjson.decode(ok{ "integration", "status", "--json" })[1]
  end

  -- `dialog run BOT --answers` with these lines and more arguments.
  local function talk(lines, ...)
    local path = helper.tempfile(#lines > 0 and (table.concat(lines, "\n") .. "\n") or "",
      ".txt")
    local out, err, status = lf({ "dialog", "run", BOT, "--answers", path, ... })
    os.remove(path)
    assert.are.equal(0, status, err)
    return out
  end

  local CREATE = { "new lead", "O'Neil", "Orbit Labs", "skip", "yes" }

  describe("lifecycle", function()
    it("goes available -> configured <-> disabled -> deleted (available again)", function()
      assert.are.same({ name = "salesforce", state = "available" }, status_json())
      local _, err, st = lf{ "integration", "disable", "salesforce" }
      assert.are.equal(1, st)
      assert.matches("is not enabled", err)
      local out = ok{ "integration", "enable", "salesforce", "--mode", "pre-authorize" }
      assert.matches("salesforce  configured  mode=pre%-authorize  app=system  "
        .. "org=Luaforce Dev  edition=Developer Edition", out)
      out = ok{ "integration", "disable", "salesforce" }
      assert.matches("salesforce  disabled  mode=pre%-authorize", out)
      local s = status_json()
      assert.are.same({ "disabled", "pre-authorize", "system", "Luaforce Dev",
        "Developer Edition" }, { s.state, s.mode, s.app, s.org, s.edition })
      ok{ "integration", "enable", "salesforce", "--mode", "pre-authorize" }
      assert.are.equal("configured", status_json().state)
      -- delete revokes the workspace's tokens at Salesforce
      emu.call("DELETE", "/log")
      out = ok{ "integration", "delete", "salesforce" }
      assert.matches("salesforce  available", out)
      assert.are.equal(1, #emu.sent("/services/oauth2/revoke"))
      for _, t in ipairs(emu.control("GET", "/sessions").access_tokens) do
        assert.is_false(t.active)
      end
      assert.matches("No stored authorizations", ok{ "auth", "status" })
      _, err, st = lf{ "integration", "enable", "salesforce", "--mode", "pre-authorize" }
      assert.are.equal(1, st)
      assert.matches("needs a stored authorization of app 'system': run 'luaforce auth login' "
        .. "first", err, 1, true)
      -- allow-users needs only the app
      assert.matches("configured  mode=allow%-users  app=system  org=%-  edition=%-  users=0\n",
        ok{ "integration", "enable", "salesforce", "--mode", "allow-users" })
    end)

    it("refuses a Trial org at enable, naming the supported editions", function()
      emu.call("POST", "/org", { trial = true })
      local _, err, st = lf{ "integration", "enable", "salesforce", "--mode", "pre-authorize" }
      emu.call("POST", "/org", { trial = false })
      assert.are.equal(1, st)
      assert.matches("is a Trial org", err)
      assert.matches("Developer Edition and Enterprise Edition", err)
      assert.are.equal("available", status_json().state)
    end)

    it("refuses bad usage with a message naming it", function()
      local _, err, st = lf{ "integration", "enable", "salesforce" }
      assert.are.equal(2, st)
      assert.matches("enable needs --mode pre-authorize or --mode allow-users", err, 1, true)
      _, err, st = lf{ "integration", "enable", "slack", "--mode", "allow-users" }
      assert.are.equal(2, st)
      assert.matches("needs the integration's name: salesforce", err)
      _, err, st = lf{ "integration", "enable", "salesforce", "--mode", "allow-users", "--app",
        "nope" }
      assert.are.equal(1, st)
      assert.matches("nope", err)
    end)

    it("is in error when the pre-authorization is lost, saying how to fix it", function()
      ok{ "integration", "enable", "salesforce", "--mode", "pre-authorize" }
      ok{ "auth", "logout" }
      local s = status_json()
      assert.are.equal("error", s.state)
      assert.matches("no stored authorization of app 'system'", s.reason)
      assert.are.equal("luaforce auth login, then luaforce integration "
        .. "enable salesforce --mode pre-authorize --app system", s.fix)
      local out = talk(CREATE)
      assert.matches("bot: Sorry, I cannot reach Salesforce: the bot's authorization was lost. "
        .. "Please contact the bot's administrator.\n", out, 1, true)
      assert.are.equal(0, #emu.sent(LEAD))
    end)
  end)

  describe("in a conversation", function()
    it("answers with the disabled response instead of calling Salesforce", function()
      ok{ "integration", "enable", "salesforce", "--mode", "pre-authorize" }
      ok{ "integration", "disable", "salesforce" }
      local out = talk(CREATE)
      assert.matches("bot: Sorry, the Salesforce integration is disabled", out)
      assert.are.equal(0, #emu.sent(LEAD))
      ok{ "integration", "enable", "salesforce", "--mode", "pre-authorize" }
      out = talk(CREATE)
      assert.matches("bot: Lead O'Neil created: 00Q", out)
      assert.are.equal(1, #emu.sent(LEAD))
    end)

    it("marks the integration in error when the pre-authorization fails at run time", function()
      ok{ "integration", "enable", "salesforce", "--mode", "pre-authorize" }
      -- tokens of the client credentials flow cannot be renewed once the app refuses it
      emu.call("POST", "/sessions/expire", { refresh_tokens = true })
      emu.call("POST", "/app", { client_credentials_user = cjson.null })
      local out = talk(CREATE)
      emu.call("POST", "/app", { client_credentials_user = "dev@example.com" })
      assert.matches("bot: Sorry, I cannot reach Salesforce", out)
      local s = status_json()
      assert.are.equal("error", s.state)
    end)
  end)

  describe("allow-users", function()
    -- The link in the bot's last "Authorize" button, and the callback URL
    -- the emulator's authorize page sends the browser to.
    local function link_of(out)
      local url = out:match("%[Authorize%] (%S+)\n$")
      assert.truthy(url, out)
      return url, helper.browse(url, emu.ca)
    end

    local function lead_posts()
      return emu.sent(LEAD)
    end

    it("pauses, then resumes at the service node once the user authorized", function()
      ok{ "integration", "enable", "salesforce", "--mode", "allow-users" }
      local out = talk(CREATE, "--user", "alice", "--session", "s1")
      assert.matches("bot: User needs to authorize or re-authorize.\n     [Authorize] https:", out,
        1, true)
      assert.are.equal(0, #lead_posts())
      local _, callback = link_of(out)
      local res = ok{ "auth", "callback", callback }
      assert.matches("Authorized user alice with profile 'system'", res)
      assert.matches("bot: Lead O'Neil created: 00Q%w+\n", res)
      local posts = lead_posts()
      assert.are.equal(1, #posts)
      assert.are.same({ LastName = "O'Neil", Company = "Orbit Labs" }, posts[1].json)
      -- a replayed callback resumes nothing and creates nothing
      local _, err, st = lf{ "auth", "callback", callback }
      assert.are.equal(1, st)
      assert.matches("already used state", err)
      assert.are.equal(1, #lead_posts())
      -- the session is idle again: the user's next task uses their tokens at once
      out = talk({ "new lead", "Hopper", "Navy", "skip", "yes" }, "--user", "alice", "--session",
        "s1")
      assert.matches("bot: Lead Hopper created", out)
      assert.are.equal(2, #lead_posts())
    end)

    it("a session resumed while it waits gives a fresh link at once", function()
      ok{ "integration", "enable", "salesforce", "--mode", "allow-users" }
      local _, old = link_of(talk(CREATE, "--user", "alice", "--session", "s1"))
      local out = talk({}, "--user", "alice", "--session", "s1")
      assert.matches("^bot: User needs to authorize or re%-authorize%.", out)
      local _, fresh = link_of(out)
      local _, err, st = lf{ "auth", "callback", old }
      assert.are.equal(1, st)
      assert.matches("replaced by a newer link", err, 1, true)
      assert.matches("bot: Lead O'Neil created", ok{ "auth", "callback", fresh })
      assert.are.equal(1, #lead_posts())
      -- resumed once more, idle: nothing said, nothing sent
      assert.are.equal("", talk({}, "--user", "alice", "--session", "s1"))
      assert.are.equal(1, #lead_posts())
    end)

    -- The number of pending authorization states and of link slots in the
    -- workspace's store.
    local function counts()
      local w = assert(require("salesforce.workspace").open{ dir = ws })
      local states, slots = #(w.store:list("_states") or {}), #(w.store:list("_links") or {})
      w:close()
      return states, slots
    end

    it("gives a fresh link on the next turn; the older one stops working at once", function()
      ok{ "integration", "enable", "salesforce", "--mode", "allow-users" }
      local out = talk(CREATE, "--user", "bob", "--session", "s1")
      local first, old_callback = link_of(out)
      assert.are.same({ 1, 1 }, { counts() })
      out = talk({ "hello?" }, "--user", "bob", "--session", "s1")
      local second, callback = link_of(out)
      assert.are_not.equal(first, second)
      assert.are.same({ 1, 1 }, { counts() }) -- replaced, not added
      -- another session of bob's has its own link
      talk(CREATE, "--user", "bob", "--session", "s2")
      assert.are.same({ 2, 2 }, { counts() })
      local _, err, st = lf{ "auth", "callback", old_callback }
      assert.are.equal(1, st)
      assert.matches("unknown or already used state: this authorization link was not issued by "
        .. "this workspace, was completed already or was replaced by a newer link", err, 1, true)
      assert.is_nil(emu.sent("/services/oauth2/token")[1]) -- no code exchanged
      assert.is_nil(ok{ "auth", "status" }:find("bob", 1, true)) -- no tokens stored
      assert.are.equal(0, #lead_posts())
      assert.matches("bot: Lead O'Neil created", ok{ "auth", "callback", callback })
      assert.are.equal(1, #lead_posts())
      assert.are.same({ 1, 1 }, { counts() }) -- s2's link is left
    end)

    it("prunes long-expired links, a few at a time, when a link is begun or completed",
      function()
        ok{ "integration", "enable", "salesforce", "--mode", "allow-users" }
        local workspace = require "salesforce.workspace"
        local w = assert(workspace.open{ dir = ws })
        -- (links begun here prune nothing; luaforce's own do)
        local batch = workspace.PRUNE_BATCH
        workspace.PRUNE_BATCH = 0
        finally(function() workspace.PRUNE_BATCH = batch end)
        local function old_links(n, ttl)
          for i = 1, n do
            assert(w:begin("system", "old" .. i, { ttl = ttl, slot = "s" .. i }))
          end
        end
        -- expired over PRUNE_GRACE ago: pruned; expired just now: kept (its
        -- callback still says the link expired)
        old_links(5, -workspace.PRUNE_GRACE - 10)
        assert.are.same({ 5, 5 }, { counts() })
        assert.are.equal(2, w:prune_states(2)) -- looks at no more than 2
        assert.are.same({ 3, 3 }, { counts() })
        assert.are.equal(0, w:prune_states(0))
        assert.has_error(function() w:prune_states("2") end,
          "bad argument #1 to 'prune_states' (number expected, got string)")
        assert.has_error(function() w:forget_link("system", "old1") end,
          "bad argument #3 to 'forget_link' (slot name expected, got nil)")
        local _, recent = w:begin("system", "recent", { ttl = -1 })
        w:close()
        assert.are.same({ 4, 3 }, { counts() })
        local out = talk(CREATE, "--user", "fay", "--session", "s1")
        assert.are.same({ 2, 1 }, { counts() }) -- fay's and the recent one
        w = assert(workspace.open{ dir = ws })
        assert.truthy(w.store:get("_states", recent))
        old_links(3, -workspace.PRUNE_GRACE - 10)
        w:close()
        assert.are.same({ 5, 4 }, { counts() })
        local _, callback = link_of(out)
        assert.matches("bot: Lead O'Neil created", ok{ "auth", "callback", callback })
        assert.are.same({ 1, 0 }, { counts() })
      end)

    -- `dialog run BOT --jsonl --user USER` in the background, reading a FIFO
    -- in a new folder, where it writes out, err, pid and (at its end)
    -- status; CREATE's lines are sent. Returns the FIFO's writer, turns(n)
    -- (waits for n turn_end lines; the output so far) and the folder.
    local function background(user)
      local dir = os.tmpname()
      os.remove(dir)
      assert(os.execute("mkdir " .. dir .. " && mkfifo " .. dir .. "/in"))
      local vars = {}
      for k, v in pairs(env) do vars[#vars + 1] = k .. "=" .. helper.quote(v) end
      assert(os.execute("( " .. table.concat(vars, " ") .. " " .. helper.quote(helper.bin)
        .. " dialog run " .. helper.quote(BOT) .. " --jsonl --user " .. helper.quote(user)
        .. " <" .. dir .. "/in >" .. dir .. "/out 2>" .. dir .. "/err & echo $! >" .. dir
        .. "/pid; wait $!; echo $? >" .. dir .. "/status ) &"))
      local input = assert(io.open(dir .. "/in", "w"))
      for _, line in ipairs(CREATE) do input:write(cjson.encode{ text = line }, "\n") end
      input:flush()
      -- polls the output (the process's readiness) until it has `n` turn_end lines
      local function turns(n)
        local core = require "salesforce.core"
        for _ = 1, 1500 do
          local f = io.open(dir .. "/out") -- (not there until the shell opened it)
          local text = f and f:read("a") or ""
          if f then f:close() end
          local _, ends = text:gsub('"type":"turn_end"', "")
          if ends >= n then return text end
          core.sleep(20)
        end
        error("dialog run did not answer: " .. assert(io.open(dir .. "/err")):read("a"))
      end
      return input, turns, dir
    end

    for _, host in ipairs{ "localhost", "[::1]" } do
    it("resumes a 'dialog run --jsonl' session when the browser reaches its listener at "
      .. host, function()
        local port = helper.random_port()
        local callback_url = "http://" .. host .. ":" .. port .. "/callback"
        ok{ "auth", "system", "set", "--client-id", "luaforce-test-client", "--client-secret",
          "-", "--login-url", emu.url, "--callback-url", callback_url }
        ok{ "integration", "enable", "salesforce", "--mode", "allow-users" }
        -- (the emulator's control co-process starts first: a process started
        -- later would inherit the FIFO's writer, and dialog run never see its end)
        assert.are.equal(0, #lead_posts())
        local input, turns, dir = background("erin")
        local out = turns(6) -- the start and five answers
        assert.are.equal(0, #lead_posts())
        local link
        for line in out:gmatch("[^\n]+") do
          local m = cjson.decode(line)
          if m.rich and m.rich.buttons then link = m.rich.buttons[1].url end
        end
        assert.truthy(link, out)
        -- the browser: the emulator's authorize page, then the redirect to the listener
        local location, page = helper.browse(link, emu.ca, true)
        assert.are.equal(callback_url, location:match("^[^?]*"))
        assert.matches("authorization received", page)
        out = turns(7)
        local last = {}
        for line in out:gmatch("[^\n]+") do last[#last + 1] = cjson.decode(line) end
        assert.matches("^Lead O'Neil created: 00Q", last[#last - 1].text)
        assert.are.same(cjson.null, last[#last].task)
        assert.are.equal(1, #lead_posts())
        input:close()
        for _ = 1, 1500 do
          local f = io.open(dir .. "/status")
          if f and f:read("a") ~= "" then break end
          require("salesforce.core").sleep(20)
        end
        assert.are.equal("0\n", assert(io.open(dir .. "/status")):read("a"))
        helper.run({ "rm", "-rf", dir })
      end)
    end

    it("a killed run's temporary session expires; the next temporary run removes it",
      function()
        local port = helper.random_port()
        ok{ "auth", "system", "set", "--callback-url", "http://localhost:" .. port .. "/callback" }
        ok{ "integration", "enable", "salesforce", "--mode", "allow-users" }
        assert.are.equal(0, #lead_posts()) -- (the emulator's co-process first)
        local input, turns, dir = background("kim")
        assert.matches("Authorize", turns(6)) -- waits for the authorization
        -- killed: no chance to forget its session
        local pid = assert(io.open(dir .. "/pid")):read("l")
        assert(os.execute("kill -9 " .. pid))
        input:close()
        helper.run({ "rm", "-rf", dir })
        package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
        local store = require "luaforce.dialog.store"
        local w = assert(require("salesforce.workspace").open{ dir = ws })
        local function sessions()
          local keys = w.store:list("dialog-state") or {}
          table.sort(keys)
          return keys
        end
        local left = sessions()
        assert.are.equal(1, #left)
        assert.matches("/kim/run%-[%w_-]+$", left[1])
        local rec = cjson.decode((assert(w.store:get("dialog-state", left[1]))))
        local ttl = rec.exp - os.time()
        assert.is_true(ttl > 7 * 24 * 3600 - 120 and ttl <= 7 * 24 * 3600, tostring(ttl))
        -- one that expired, and a named session (never expires): the next
        -- temporary run removes the first only
        local name = require("luaforce.dialog").load(BOT).name
        local ig = require "luaforce.integration"
        local past = store.wrap(w.store, function() return os.time() - 8 * 24 * 3600 end)
        assert(past:put("dialog-state", ig.session_key(name, "lee", ig.temporary_session()),
          { old = true }, ig.TEMPORARY_TTL))
        assert(store.wrap(w.store):put("dialog-state", ig.session_key(name, "lee", "run-named"),
          { named = true }))
        assert.are.equal(3, #sessions())
        talk({ "hello" }, "--user", "lee")
        local now = sessions()
        assert.are.same({ left[1], ig.session_key(name, "lee", "run-named") }, now)
        w:close()
      end)

    it("dialog run on a terminal: a line typed while it waits shows once; Ctrl-D ends",
      function()
        local port = helper.random_port()
        ok{ "auth", "system", "set", "--callback-url", "http://localhost:" .. port .. "/callback" }
        ok{ "integration", "enable", "salesforce", "--mode", "allow-users" }
        local term = helper.terminal()
        finally(term.close)
        local tenv = { TERM = "xterm" }
        for k, v in pairs(env) do tenv[k] = v end
        term.start({ helper.bin, "dialog", "run", BOT, "--user", "gil" }, tenv)
        term.wait_for("\n> ")
        for i, line in ipairs(CREATE) do
          term.keys(line, "Enter")
          term.wait_for("\n> ", i + 1)
        end
        -- the prompt is shown while it waits; the terminal echoes the line
        term.wait_for("or type to go on)\n> ")
        term.keys("hello there")
        term.wait_for("or type to go on)\n> hello there")
        term.keys("Enter")
        local s = term.wait_for("or type to go on)\n> ", 2)
        assert.are.equal(1, helper.count(s, "hello there"), s)
        assert.are.equal(2, helper.count(s, "[Authorize] https://"), s) -- a fresh link
        assert.are.equal(0, #lead_posts())
        assert.are.same({ 1, 1 }, { counts() }) -- the fresh link replaced the first
        term.keys("C-d")
        term.wait_for("[exit 0]")
        -- the run's session is forgotten, and the link it waited on
        assert.are.same({ 0, 0 }, { counts() })
        local w = assert(require("salesforce.workspace").open{ dir = ws })
        assert.are.same({}, w.store:list("dialog-state"))
        w:close()
      end)

    it("the installed templates' bot gives the link once, in its Authorize button", function()
      ok{ "integration", "enable", "salesforce", "--mode", "allow-users" }
      local dir = os.tmpname()
      os.remove(dir)
      finally(function() helper.remove_tree(dir) end)
      ok{ "templates", "install", "--all", "--into", dir }
      local path = helper.tempfile("create a lead\nAda\nLovelace\nAnalytical Engines\n", ".txt")
      local out, err, status = lf{ "dialog", "run", dir, "--answers", path, "--user", "hal" }
      os.remove(path)
      assert.are.equal(0, status, err)
      assert.matches("bot: User needs to authorize or re-authorize: please sign in to "
        .. "Salesforce with the Authorize button first.\n     [Authorize] https://", out, 1, true)
      local url = link_of(out)
      assert.are.equal(1, helper.count(out, url), out)
    end)

    it("refuses a link bound to another user's session: nothing resumed or stored", function()
      ok{ "integration", "enable", "salesforce", "--mode", "allow-users" }
      local out = talk(CREATE, "--user", "alice", "--session", "s1")
      local _, alice_callback = link_of(out)
      package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
      local ig = require "luaforce.integration"
      local w = assert(require("salesforce.workspace").open{ dir = ws })
      -- a link made for mallory that names alice's paused session and its link
      local key = ig.session_key(require("luaforce.dialog").load(BOT).name, "alice", "s1")
      local paused = require("luaforce.dialog.store").wrap(w.store):get("dialog-state", key)
      local url = assert(w:begin("system", "mallory", { bind = { bot = BOT, user = "alice",
        session = "s1", link = paused.authorization.link } }))
      local org, err = ig.callback(w, (helper.browse(url, emu.ca)))
      assert.is_nil(org)
      assert.matches("this authorization link is not the one the session waits for", err.message,
        1, true)
      w:close()
      assert.are.equal(0, #lead_posts())
      assert.is_nil(emu.sent("/services/oauth2/token")[1]) -- no code exchanged
      local status = ok{ "auth", "status" }
      assert.is_nil(status:find("mallory", 1, true))
      assert.is_nil(status:find("alice", 1, true))
      -- alice's own link still resumes her session, once
      assert.matches("bot: Lead O'Neil created", ok{ "auth", "callback", alice_callback })
      assert.are.equal(1, #lead_posts())
    end)

    it("refuses an expired link's callback; the next turn gives a fresh one", function()
      ok{ "integration", "enable", "salesforce", "--mode", "allow-users" }
      env.LUAFORCE_LINK_TTL = "-1" -- every link made now has expired
      local out = talk(CREATE, "--user", "cy", "--session", "s1")
      env.LUAFORCE_LINK_TTL = nil
      local _, expired = link_of(out)
      local _, err, st = lf{ "auth", "callback", expired }
      assert.are.equal(1, st)
      assert.matches("the authorization link expired (links are valid for 0 seconds); start "
        .. "again (in a dialog, the end user's next message sends a fresh link)", err, 1, true)
      assert.are.equal(0, #lead_posts())
      assert.is_nil(ok{ "auth", "status" }:find("cy", 1, true)) -- no tokens stored
      out = talk({ "are you there?" }, "--user", "cy", "--session", "s1")
      assert.matches("bot: User needs to authorize or re-authorize.", out, 1, true)
      local _, callback = link_of(out)
      assert.matches("bot: Lead O'Neil created", ok{ "auth", "callback", callback })
      assert.are.equal(1, #lead_posts())
      -- the default: valid for 10 minutes
      package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
      local ig = require "luaforce.integration"
      local w = assert(require("salesforce.workspace").open{ dir = ws })
      local fields = assert(ig.dialog_env(w, BOT, { user = "dee", session = "s" }))
      local url = assert(fields.authorize())
      local state = url:match("[?&]state=([%w_-]+)")
      local pending = cjson.decode((assert(w.store:get("_states", state))))
      local left = pending.expires_at - os.time()
      assert.is_true(left == 600 or left == 599, tostring(left))
      w:close()
    end)

    it("takes end-user ids of any length and script; a '/' reaches no other session",
      function()
        ok{ "integration", "enable", "salesforce", "--mode", "allow-users" }
        local ids = { string.rep("x", 10 * 1024), string.rep("ü", 3000) .. "@例え.jp",
          "team/alice", "team" }
        local callbacks = {}
        for i, id in ipairs(ids) do
          -- "team" with session "alice/s" would have been the key of "team/alice"'s "s"
          local out = talk({ "new lead", "Id" .. i, "Co" .. i, "skip", "yes" }, "--user", id,
            "--session", id == "team" and "alice/s" or "s")
          callbacks[i] = select(2, link_of(out))
        end
        for i = #ids, 1, -1 do
          assert.matches("bot: Lead Id" .. i .. " created", ok{ "auth", "callback",
            callbacks[i] })
        end
        local names = {}
        for _, p in ipairs(lead_posts()) do names[#names + 1] = p.json.LastName end
        assert.are.same({ "Id4", "Id3", "Id2", "Id1" }, names)
        local status = ok{ "auth", "status" }
        assert.truthy(status:find("team/alice", 1, true))
      end)

    it("takes ids starting with '_', even '_workspace', apart from the workspace's tokens",
      function()
        ok{ "integration", "enable", "salesforce", "--mode", "allow-users" }
        package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
        local function workspace_token()
          local w = assert(require("salesforce.workspace").open{ dir = ws })
          local raw = assert(w.store:get("system", "_workspace"))
          w:close()
          return cjson.decode(raw).access_token
        end
        local before = workspace_token()
        local ids = { "_workspace", "__workspace", "_bob", "~x", "-dash" }
        local callbacks = {}
        for i, id in ipairs(ids) do
          local out = talk({ "new lead", "U" .. i, "Co" .. i, "skip", "yes" }, "--user=" .. id,
            "--session", "s")
          -- asked to authorize: the workspace's pre-authorization is not theirs
          assert.matches("bot: User needs to authorize or re-authorize.", out, 1, true)
          callbacks[i] = select(2, link_of(out))
        end
        assert.are.equal(0, #lead_posts())
        for i, id in ipairs(ids) do
          local res = ok{ "auth", "callback", callbacks[i] }
          assert.matches("Authorized user " .. id .. " with profile 'system'", res, 1, true)
          assert.matches("bot: Lead U" .. i .. " created", res, 1, true)
        end
        local tokens = {}
        for i, p in ipairs(lead_posts()) do
          assert.are.equal("U" .. i, p.json.LastName)
          assert.are_not.equal("Bearer " .. before, p.headers.authorization)
          assert.is_nil(tokens[p.headers.authorization], "two users shared tokens")
          tokens[p.headers.authorization] = true
        end
        -- the integration counts them, not the workspace's authorization
        assert.matches("mode=allow%-users  app=system  org=Luaforce Dev  edition=Developer "
          .. "Edition  users=5\n", ok{ "integration", "status" })
        local s = status_json()
        assert.are.same({ 5, "Luaforce Dev" }, { s.users, s.org })
        -- listed by their own ids, the workspace's set apart
        local w = assert(require("salesforce.workspace").open{ dir = ws })
        local listed = {}
        for _, a in ipairs(assert(w:status())) do
          listed[#listed + 1] = a.workspace and "(workspace)" or a.user
        end
        table.sort(listed)
        local want = { "(workspace)", table.unpack(ids) }
        table.sort(want)
        assert.are.same(want, listed)
        assert.are.equal("luaforce auth link --user=_bob", w:login_command("system", "_bob"))
        assert.are.equal("luaforce auth link '--user=it'\\''s me'",
          w:login_command("system", "it's me"))
        w:close()
        -- forgetting the end user "_workspace" keeps the workspace's tokens
        assert.matches("Revoked and forgot the tokens of profile 'system' for user _workspace",
          ok{ "auth", "revoke", "--user", "_workspace" }, 1, true)
        local _, err = lf{ "auth", "logout", "--user", "_workspace" }
        assert.matches("no stored authorization for profile 'system' and user _workspace", err,
          1, true)
        assert.matches("%(workspace%)", ok{ "auth", "status" })
        ok{ "integration", "enable", "salesforce", "--mode", "pre-authorize" }
        assert.matches("bot: Lead Pre created", talk({ "new lead", "Pre", "Co", "skip", "yes" }),
          1, true)
        assert.are.equal("Bearer " .. workspace_token(),
          lead_posts()[#ids + 1].headers.authorization)
      end)

    it("refuses an end-user id with a NUL byte or over 64 KiB, saying why", function()
      package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
      local w = assert(require("salesforce.workspace").open{ dir = ws })
      local url, e = w:begin("system", "a\0b")
      assert.is_nil(url)
      assert.matches("an end-user id cannot contain a NUL byte", e.message, 1, true)
      url, e = w:begin("system", string.rep("x", 65537))
      assert.is_nil(url)
      assert.matches("end-user ids are 1 to 65536 bytes (got 65537 bytes)", e.message, 1, true)
      assert.truthy(w:begin("system", string.rep("x", 65536)))
      w:close()
    end)

    it("keeps two end users apart, each on their own tokens, with any ids", function()
      ok{ "integration", "enable", "salesforce", "--mode", "allow-users" }
      local ann = "anne-" .. string.rep("é", 120) .. "@例え.jp" -- 255 bytes
      local out_a = talk(CREATE, "--user", ann, "--session", "s")
      local out_b = talk({ "new lead", "Lovelace", "Analytical", "skip", "yes" }, "--user",
        "bea", "--session", "s")
      local _, cb_a = link_of(out_a)
      local _, cb_b = link_of(out_b)
      assert.matches("bot: Lead Lovelace created", ok{ "auth", "callback", cb_b })
      assert.matches("bot: Lead O'Neil created", ok{ "auth", "callback", cb_a })
      local posts = lead_posts()
      assert.are.equal(2, #posts)
      assert.are.equal("Lovelace", posts[1].json.LastName)
      assert.are.equal("O'Neil", posts[2].json.LastName)
      assert.are_not.equal(posts[1].headers.authorization, posts[2].headers.authorization)
      -- neither used the workspace's pre-authorization
      local sessions = emu.control("GET", "/sessions").access_tokens
      local workspace_token = sessions[1].access_token
      for _, p in ipairs(posts) do
        assert.are_not.equal("Bearer " .. workspace_token, p.headers.authorization)
      end
    end)
  end)
end)
