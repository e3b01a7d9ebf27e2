-- The loopback listener that receives the OAuth redirect of
-- `luaforce auth login`: other requests get 404, the redirect gets the
-- page and its target is returned, a timeout is an error, and [::1] is
-- served too where the machine has IPv6 loopback, and a readable wake_fd
-- (the terminal of `dialog run`) ends the wait.
local helper = require "spec.helper"

local listening_output -- a function: the listener's output once it ended

local function listen(port, timeout)
  -- runs the listener in a luaforce process; returns a function that waits
  -- for it and returns its stdout and status
  local out = os.tmpname()
  os.execute(string.format("(%s -e %s > %s 2>&1; echo \"rc=$?\" >> %s) &",
    helper.quote(helper.bin), helper.quote(string.format([[
      require "salesforce"
      local core = require "salesforce.core"
      print(core.listen_once(%d, "/callback", %d))
    ]], port, timeout)), out, out))
  local function finished()
    local f = io.open(out)
    local text = f and f:read("a") or ""
    if f then f:close() end
    return text:match("rc=%d+") and text
  end
  listening_output = finished
  return function()
    for _ = 1, 400 do
      local f = io.open(out)
      local text = f and f:read("a") or ""
      if f then f:close() end
      if text:match("rc=%d+") then
        os.remove(out)
        return text
      end
      os.execute("sleep 0.025")
    end
    error("the listener did not finish")
  end
end

local function get(url)
  local out, err, status = helper.run({ "python3", "-c", [[
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen(sys.argv[1], timeout=5)
    print(r.status, r.read().decode())
except urllib.error.HTTPError as e:
    print(e.code)
except OSError as e:
    print("refused", e)
]], url })
  assert(status == 0, err)
  return out
end

local function get_when_up(url)
  for _ = 1, 200 do
    local out = get(url)
    if not out:match("^refused") then return out end
    local ended = listening_output and listening_output()
    if ended then error("the listener ended early: " .. ended) end
    os.execute("sleep 0.025")
  end
  error("the listener never came up")
end

local function has_ipv6_loopback()
  local f = io.open("/proc/net/if_inet6")
  local text = f and f:read("a") or ""
  if f then f:close() end
  return text:match("0+1%s+%x+%s+%x+%s+%x+%s+%x+%s+lo") ~= nil
end

describe("the redirect listener", function()
  it("answers 404 to other requests and returns the redirect's target", function()
    local port = helper.random_port()
    local wait = listen(port, 10000)
    assert.matches("^404", get_when_up("http://127.0.0.1:" .. port .. "/favicon.ico"))
    assert.matches("^404", get("http://127.0.0.1:" .. port .. "/callback"))
    assert.matches("^200 .*authorization received",
      get("http://127.0.0.1:" .. port .. "/callback?code=c&state=s"))
    assert.matches("^/callback%?code=c&state=s\nrc=0", wait())
  end)

  it("gives up after its timeout", function()
    local wait = listen(helper.random_port(), 200)
    assert.matches("^nil\ttimed out waiting for the authorization redirect\n", wait())
  end)

  it("returns false, reading nothing, once its wake_fd is readable", function()
    local script = [[
      require "salesforce"
      local core = require "salesforce.core"
      print(core.listen_once(%d, "/callback", 60000, nil, 0), io.read("l"))
      print(pcall(core.listen_once, %d, "/callback", 10, nil, -2))
    ]]
    local port = helper.random_port()
    local out, err, status = helper.luaforce({ "-e", script:format(port, port) },
      { stdin = "typed\n" })
    assert.are.equal(0, status, err)
    assert.are.equal("false\ttyped\nfalse\t", out:match("^[^\n]*\n[^\t]*\t"))
    assert.matches("bad argument #5 to '[%w.]*listen_once' %(not a file descriptor%)", out)
  end)

  it("serves [::1] too when the machine has IPv6 loopback", function()
    if not has_ipv6_loopback() then
      pending("no IPv6 loopback here")
      return
    end
    local port = helper.random_port()
    local wait = listen(port, 10000)
    get_when_up("http://127.0.0.1:" .. port .. "/x")
    assert.matches("^200", get("http://[::1]:" .. port .. "/callback?code=6&state=s"))
    assert.matches("^/callback%?code=6&state=s", wait())
  end)
end)
