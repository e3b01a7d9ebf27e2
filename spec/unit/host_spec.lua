-- The `luaforce` host: running files with arguments, -e, standard input,
-- exit statuses, error output, help, version, the prompt, and the module
-- loaded by a stock lua5.4.
local helper = require "spec.helper"

local luaforce, tempfile = helper.luaforce, helper.tempfile

describe("luaforce run", function()
  it("runs a file with its arguments as ... and in arg", function()
    local script = tempfile([[
      print(select("#", ...), ...)
      print(arg[0], arg[1], arg[2], #arg)
    ]])
    local out, err, status = luaforce({ "run", script, "a b", "c" })
    assert.are.equal(0, status)
    assert.are.equal("", err)
    assert.are.equal("2\ta b\tc\n" .. script .. "\ta b\tc\t2\n", out)
    os.remove(script)
  end)

  it("runs the hello example from any directory", function()
    local out, _, status = luaforce({ "run", helper.source_dir .. "/scripts/examples/hello.lua",
      "a", "b" }, { cwd = "/" })
    assert.are.equal(0, status)
    assert.matches("hello, a\nhello, b\n", out, 1, true)
    assert.matches('arguments: ["a","b"]', out, 1, true)
  end)

  it("accepts a file name without the run command", function()
    local script = tempfile("print('direct', ...)")
    local out, _, status = luaforce({ script, "x" })
    assert.are.equal(0, status)
    assert.are.equal("direct\tx\n", out)
    os.remove(script)
  end)

  it("makes salesforce and cjson available", function()
    local script = tempfile([[
      local salesforce = require "salesforce"
      local cjson = require "cjson"
      print(type(salesforce.versions), cjson.encode({ ok = true }))
    ]])
    local out, _, status = luaforce({ "run", script })
    assert.are.equal(0, status)
    assert.are.equal('function\t{"ok":true}\n', out)
    os.remove(script)
  end)

  it("reports a runtime error with a traceback and exits 1", function()
    local script = tempfile("local function f() error('boom') end\nf()\n")
    local out, err, status = luaforce({ "run", script })
    assert.are.equal(1, status)
    assert.are.equal("", out)
    assert.matches("^luaforce: " .. script:gsub("%p", "%%%0") .. ":1: boom\n", err)
    assert.matches("stack traceback:", err, 1, true)
    assert.matches("in local 'f'", err, 1, true)
    -- the frames of luaforce itself are not shown
    assert.not_matches("chunk.lua", err, 1, true)
    os.remove(script)
  end)

  it("reports an error object through its __tostring", function()
    local _, err, status = luaforce({ "-e",
      "error(setmetatable({}, { __tostring = function() return 'custom failure' end }))" })
    assert.are.equal(1, status)
    assert.matches("^luaforce: custom failure\n", err)
  end)

  it("honours os.exit", function()
    local _, _, s1 = luaforce({ "-e", "os.exit(7)" })
    local _, _, s2 = luaforce({ "-e", "os.exit(true)" })
    local _, _, s3 = luaforce({ "-e", "os.exit(false)" })
    local out, _, s4 = luaforce({ "-e", "io.write('flushed') os.exit(3, true)" })
    assert.are.same({ 7, 0, 1, 3 }, { s1, s2, s3, s4 })
    assert.are.equal("flushed", out)
  end)

  it("gives a missing file one clear line", function()
    local out, err, status = luaforce({ "run", "/nonexistent/x.lua" })
    assert.are.equal(1, status)
    assert.are.equal("", out)
    assert.are.equal(
      "luaforce: cannot open /nonexistent/x.lua: No such file or directory\n", err)
  end)

  it("gives a syntax error one clear line", function()
    local script = tempfile("x = = 1\n")
    local _, err, status = luaforce({ "run", script })
    assert.are.equal(1, status)
    assert.are.equal("luaforce: " .. script .. ":1: unexpected symbol near '='\n", err)
    os.remove(script)
  end)

  it("needs a FILE", function()
    local _, err, status = luaforce({ "run" })
    assert.are.equal(2, status)
    assert.matches("missing FILE", err, 1, true)
  end)

  it("reads the script from standard input", function()
    local out, _, status = luaforce({ "run", "-", "z" }, { stdin = "print('in', ...)" })
    assert.are.equal(0, status)
    assert.are.equal("in\tz\n", out)
    out, _, status = luaforce({}, { stdin = "print('piped')" })
    assert.are.equal(0, status)
    assert.are.equal("piped\n", out)
  end)
end)

describe("luaforce -e", function()
  it("runs code, repeatedly and in order", function()
    local out, _, status = luaforce({ "-e", "x = 20", "-e", "print(x + 1)" })
    assert.are.equal(0, status)
    assert.are.equal("21\n", out)
  end)

  it("runs before a command", function()
    local script = tempfile("print(greeting)")
    local out = luaforce({ "-e", "greeting = 'hi'", "run", script })
    assert.are.equal("hi\n", out)
    os.remove(script)
  end)

  it("reports a syntax error in one line", function()
    local _, err, status = luaforce({ "-e", "print(" })
    assert.are.equal(1, status)
    assert.matches("^luaforce: %(command line%):1: .*\n$", err)
  end)

  it("needs an argument", function()
    local _, err, status = luaforce({ "-e" })
    assert.are.equal(2, status)
    assert.matches("'-e' needs an argument", err, 1, true)
  end)
end)

describe("luaforce help and version", function()
  it("prints the version of luaforce and its libraries", function()
    for _, flag in ipairs({ "--version", "-v", "version" }) do
      local out, _, status = luaforce({ flag })
      assert.are.equal(0, status)
      assert.matches("^luaforce %d+%.%d+%.%d+ %(Lua 5%.4%.%d+, libcurl [%d.]+, OpenSSL", out)
      assert.matches(", (%a+ ?[%w.]+)%)\n$", out)
    end
  end)

  it("runs on the malloc it reports", function()
    local out = assert(luaforce({ "--version" }))
    local maps = luaforce({ "-e", "io.write(io.open('/proc/self/maps'):read('a'))" })
    if out:find(", mimalloc %d+%.%d+%.%d+%)\n$") then
      assert.matches("libmimalloc%.so", maps)
    else
      assert.matches(", libc malloc%)\n$", out)
      assert.is_nil(maps:find("libmimalloc", 1, true))
    end
  end)

  it("prints usage with the commands", function()
    local out, _, status = luaforce({ "--help" })
    assert.are.equal(0, status)
    assert.matches("^usage: luaforce", out)
    assert.matches("\n  run +run a Lua script file headlessly\n", out)
    assert.matches("\n  help +", out)
    -- every command module is listed, with its summary
    local lfs = require "lfs"
    local n = 0
    for file in lfs.dir(helper.source_dir .. "/scripts/luaforce/commands") do
      local name = file:match("^(.+)%.lua$")
      if name then
        n = n + 1
        assert.matches("\n  " .. name .. " +%a[^\n]+\n", out)
      end
    end
    assert.are.equal(7, n)
  end)

  it("prints the help of one command", function()
    local out, _, status = luaforce({ "help", "run" })
    assert.are.equal(0, status)
    assert.matches("^usage: luaforce run FILE %[ARGS%.%.%.%]\n", out)
    assert.matches("Exit status", out, 1, true)
    local out2 = luaforce({ "run", "--help" })
    assert.are.equal(out, out2)
  end)

  it("rejects unknown commands and options with status 2", function()
    local _, err, status = luaforce({ "frobnicate" })
    assert.are.equal(2, status)
    assert.are.equal("luaforce: unknown command 'frobnicate' (see 'luaforce --help')\n", err)
    _, err, status = luaforce({ "--frobnicate" })
    assert.are.equal(2, status)
    assert.matches("unrecognized option '--frobnicate'", err, 1, true)
    _, err, status = luaforce({ "help", "frobnicate" })
    assert.are.equal(2, status)
    assert.matches("unknown command 'frobnicate'", err, 1, true)
  end)
end)

describe("the interactive prompt", function()
  it("evaluates expressions and statements, continuing incomplete ones", function()
    local out, err, status = luaforce({ "-i" }, {
      stdin = "1 + 1\nfor i = 1, 2 do\nprint('line', i)\nend\n= 'eq'\nerror('oops')\n",
    })
    assert.are.equal(0, status)
    assert.matches("\n> 2\n", out, 1, true)
    assert.matches(">> >> line\t1\nline\t2\n", out, 1, true)
    assert.matches("eq\n", out, 1, true)
    assert.matches("oops", err, 1, true)
  end)
end)

describe("the salesforce module in a stock lua5.4", function()
  it("loads with require and reports its versions", function()
    local out, err, status = helper.run({ helper.lua, "-e", [[
      local sf = require "salesforce"
      local v = sf.versions()
      print(sf._VERSION, v.lua, type(v.libcurl), type(v.openssl), type(v.jansson))
    ]] }, { env = { LUA_CPATH = helper.module_dir .. "/?.so;;" } })
    assert.are.equal("", err)
    assert.are.equal(0, status)
    assert.matches("^luaforce %d+%.%d+%.%d+\tLua 5%.4%.%d+\tstring\tstring\tstring\n$", out)
  end)

  it("exports luaopen_salesforce and nothing else", function()
    local out, _, status = helper.run({ "nm", "-D", "--defined-only",
      helper.module_dir .. "/salesforce.so" })
    assert.are.equal(0, status)
    local names = {}
    for name in out:gmatch("%s[TDBR]%s+(%S+)") do names[#names + 1] = name end
    assert.are.same({ "luaopen_salesforce" }, names)
  end)
end)
