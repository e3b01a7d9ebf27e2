-- `cmake --install` to a fresh prefix: the installed host finds its
-- scripts and runs the example with no environment variable, and a stock
-- lua5.4 loads the installed module.
local helper = require "spec.helper"

describe("an installed luaforce", function()
  local prefix

  setup(function()
    prefix = os.tmpname()
    os.remove(prefix)
    local build = os.getenv("LUAFORCE_BUILD_DIR") or (helper.source_dir .. "/build")
    local _, err, status = helper.run({ "cmake", "--install", build, "--prefix", prefix })
    assert(status == 0, err)
  end)

  teardown(function()
    if prefix then helper.run({ "rm", "-rf", prefix }) end
  end)

  it("runs the hello example from its own scripts", function()
    local hello = prefix .. "/share/luaforce/scripts/examples/hello.lua"
    local out, err, status = helper.run({ prefix .. "/bin/luaforce", "run", hello, "a", "b" },
      { cwd = "/" })
    assert.are.equal("", err)
    assert.are.equal(0, status)
    assert.matches("^hello, a\nhello, b\n", out)
    out = helper.run({ prefix .. "/bin/luaforce", "-e",
      "print(require('luaforce.host').scripts)" }, { cwd = "/" })
    assert.are.equal(prefix .. "/share/luaforce/scripts\n", out)
  end)

  it("lists and installs the action templates from its own scripts", function()
    local out, err, status = helper.run({ prefix .. "/bin/luaforce", "templates", "list" },
      { cwd = "/" })
    assert.are.equal(0, status, err)
    assert.truthy(out:find("lead_create%s+Create a Lead\n"))
    local bot = prefix .. "/bot"
    out, err, status = helper.run({ prefix .. "/bin/luaforce", "templates", "install", "--all",
      "--into", bot }, { cwd = "/" })
    assert.are.equal(0, status, err)
    assert.truthy(out:find("installed " .. bot .. "/lead_capture.lua\n", 1, true))
    out, err, status = helper.run({ prefix .. "/bin/luaforce", "dialog", "check", bot },
      { cwd = "/" })
    assert.are.equal(0, status, err)
    assert.truthy(out:find("^ok: 13 tasks"))
  end)

  it("installs the headers and the module", function()
    assert.truthy(io.open(prefix .. "/include/sf/sf.h"))
    assert.truthy(io.open(prefix .. "/include/sf/http.h"))
    local out, err, status = helper.run({ helper.lua, "-e",
      "print(require('salesforce')._VERSION)" },
      { env = { LUA_CPATH = prefix .. "/lib/lua/5.4/?.so;;" }, cwd = "/" })
    assert.are.equal("", err)
    assert.are.equal(0, status)
    assert.matches("^luaforce ", out)
  end)
end)
