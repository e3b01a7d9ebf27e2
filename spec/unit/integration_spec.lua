-- luaforce.integration without a network: misuse raises naming the bad
-- argument; a new workspace's integration is available and cannot be
-- disabled or deleted.
local helper = require "spec.helper"
package.path = helper.source_dir .. "/scripts/?.lua;" .. package.path
package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
require "salesforce"
local integration = require "luaforce.integration"
local workspace = require "salesforce.workspace"

describe("luaforce.integration", function()
  local dir, ws

  before_each(function()
    dir = os.tmpname()
    os.remove(dir)
    ws = assert(workspace.open{ dir = dir })
  end)

  after_each(function()
    ws:close()
    helper.remove_tree(dir)
  end)

  it("raises on misuse, naming the argument", function()
    helper.raises("status: bad argument #1 (a workspace expected)", integration.status, nil,
      "salesforce")
    helper.raises("disable: bad argument #2 (unknown integration 'slack'", integration.disable,
      ws, "slack")
    helper.raises("enable: bad argument #3 (mode is 'pre-authorize' or 'allow-users')",
      integration.enable, ws, "salesforce", { mode = "sometimes" })
    helper.raises("list: bad argument #1", integration.list, 42)
  end)

  it("starts available; disable and delete are refused with nil, err", function()
    assert.are.same({ { name = "salesforce", state = "available" } }, integration.list(ws))
    local st, err = integration.disable(ws, "salesforce")
    assert.is_nil(st)
    assert.are.equal("state", err.kind)
    assert.matches("is not enabled", tostring(err))
    st, err = integration.delete(ws, "salesforce")
    assert.is_nil(st)
    assert.matches("is not enabled", tostring(err))
    -- an unknown app is refused at enable
    st, err = integration.enable(ws, "salesforce", { mode = "allow-users", app = "nope" })
    assert.is_nil(st)
    assert.matches("nope", tostring(err))
  end)
end)
