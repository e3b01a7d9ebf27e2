-- The README's examples stay true: hello.lua, and leads.lua run against
-- the emulator with a workspace authorized by the CLI, as `tools/dev demo`
-- does.
local helper = require "spec.helper"

describe("the examples", function()
  local emu, ws

  setup(function()
    emu = helper.emulator{ https = true }
  end)

  teardown(function()
    emu.stop()
    if ws then helper.run({ "rm", "-rf", ws }) end
  end)

  it("leads.lua creates, queries, updates, searches and deletes leads", function()
    local env
    env, ws = helper.authorized_workspace(emu)
    local out, err, status
    local script = helper.source_dir .. "/scripts/examples/leads.lua"
    out, err, status = helper.luaforce({ "run", script }, { env = env })
    assert.are.equal("", err)
    assert.are.equal(0, status)
    assert.matches("^Connected to " .. emu.url:gsub("%p", "%%%0") .. " %(API v62%.0%)\n", out)
    local _, created = out:gsub("created lead 00Q", "")
    assert.are.equal(3, created)
    assert.matches("query found 00Q%w+  Katherine O'Neil at Orbit Labs\n", out)
    assert.matches("updated Ada Lovelace: status Working %- Contacted, title Countess\n", out)
    assert.matches("search found 00Q%w+  Grace Hopper at Compilers & Co\n", out)
    assert.matches("the org has 3 leads", out)
    local _, deleted = out:gsub("deleted lead 00Q", "")
    assert.are.equal(3, deleted)
    -- and the org is left as it was
    local records = emu.call("GET", "/records?sobject=Lead")
    local live = 0
    for _, r in ipairs(records.records or records) do
      if not r.IsDeleted then live = live + 1 end
    end
    assert.are.equal(0, live)
  end)
end)
