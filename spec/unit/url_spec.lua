-- URLs read with libcurl's URL API: salesforce.core.url_parse and what the
-- workspace builds on it (parse_url, origin, parse_query, the URL fields
-- of a profile), on odd URLs: IPv6, upper case, user information, no
-- host, ports out of range, queries and fragments, percent-escapes, NUL.
local helper = require "spec.helper"

package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
require "salesforce"
local core = require "salesforce.core"
local workspace = require "salesforce.workspace"

-- url_parse's nil, err: a structured error with libcurl's reason
local function refused(url, reason, base)
  local t, e = core.url_parse(url, base)
  assert.is_nil(t, url)
  assert.are.equal("invalid_arg", e.kind)
  assert.matches(reason, e.message, 1, true)
  assert.matches(reason, tostring(e), 1, true)
end

describe("salesforce.core.url_parse", function()
  it("splits a URL into its parts; absent parts are nil", function()
    assert.are.same({ scheme = "https", host = "acme.my.salesforce.com", port = 8443,
      path = "/services/oauth2/callback", query = "a=1&b=%41+c", fragment = "top",
      userinfo = false },
      core.url_parse("https://acme.my.salesforce.com:8443/services/oauth2/callback"
        .. "?a=1&b=%41+c#top"))
    assert.are.same({ scheme = "http", host = "localhost", path = "/", userinfo = false },
      core.url_parse("http://localhost"))
    -- an empty query is there, an empty fragment is not (libcurl)
    assert.are.equal("", core.url_parse("https://h/?").query)
    assert.is_nil(core.url_parse("https://h/#").fragment)
    -- only the first '#' starts the fragment; '?' after it is in it
    local u = core.url_parse("https://h/p?q#f?g#h")
    assert.are.same({ "/p", "q", "f?g#h" }, { u.path, u.query, u.fragment })
  end)

  it("lower-cases the scheme and the host, never the path or the query", function()
    local u = core.url_parse("HTTPS://Acme.My.SALESFORCE.com/A/B?X=Y")
    assert.are.same({ "https", "acme.my.salesforce.com", "/A/B", "X=Y" },
      { u.scheme, u.host, u.path, u.query })
  end)

  it("keeps an IPv6 host in brackets, lower-cased", function()
    local u = core.url_parse("http://[::1]:8080/callback")
    assert.are.same({ "[::1]", 8080, "/callback" }, { u.host, u.port, u.path })
    assert.are.equal("[fe80::1]", core.url_parse("http://[FE80::1]/").host)
  end)

  it("keeps percent-escapes as they are", function()
    local u = core.url_parse("https://h/a%20b/%2F?x=%26y#%41")
    assert.are.same({ "/a%20b/%2F", "x=%26y", "%41" }, { u.path, u.query, u.fragment })
  end)

  it("says when the URL carries user information", function()
    assert.is_true(core.url_parse("https://user@h/").userinfo)
    assert.is_true(core.url_parse("https://user:pw@h/").userinfo)
    local u = core.url_parse("https://evil.com\\@acme.my.salesforce.com/")
    assert.are.same({ "acme.my.salesforce.com", true }, { u.host, u.userinfo })
  end)

  it("refuses what is not a URL with a host, giving libcurl's reason", function()
    refused("https://", "not a valid URL: No host part in the URL")
    refused("https://:443/", "No host part in the URL")
    refused("https://?x=1", "No host part in the URL")
    -- libcurl (and browsers) would read these as https://x/
    refused("https:///x", "not a valid URL: no host after the scheme's \"//\"")
    refused("https:/x", "no host after the scheme's \"//\"")
    refused("https:x", "not a valid URL")
    refused("example.com/path", "not a valid URL: Bad scheme")
    refused("foo://x/", "Unsupported URL scheme")
    refused("", "not a valid URL")
  end)

  it("refuses a port out of range", function()
    refused("https://h:65536/", "Port number was not a decimal number between 0 and 65535")
    refused("https://h:99999999999999999999/", "Port number was not a decimal number")
    refused("https://h:-1/", "not a valid URL")
    assert.are.equal(65535, core.url_parse("https://h:65535/").port)
  end)

  it("refuses a NUL byte, spaces and control characters", function()
    refused("https://h/a\0b", "not a valid URL: it contains a NUL byte")
    refused("https://h\0.evil/", "it contains a NUL byte")
    refused("https://h/a b", "not a valid URL: Bad path")
    refused("https://h/\r\nX: y", "not a valid URL")
    refused("https://bad host/", "not a valid URL")
  end)

  it("reads a request target against a base URL", function()
    local u = core.url_parse("/callback?code=a%2Bb&state=s", "http://localhost/")
    assert.are.same({ "localhost", "/callback", "code=a%2Bb&state=s" }, { u.host, u.path,
      u.query })
    -- an absolute URL is read as itself
    assert.are.equal("other", core.url_parse("https://other/x", "http://localhost/").host)
    refused("/x", "not a valid base URL", "not a url")
    refused("https:///x", "no host after the scheme's", "http://localhost/")
  end)

  it("raises on misuse, naming the argument", function()
    assert.has_error(function() core.url_parse() end,
      "bad argument #1 to 'url_parse' (string expected, got no value)")
    assert.has_error(function() core.url_parse({}) end,
      "bad argument #1 to 'url_parse' (string expected, got table)")
    assert.has_error(function() core.url_parse("https://h/", {}) end,
      "bad argument #2 to 'url_parse' (string expected, got table)")
  end)
end)

describe("salesforce.workspace URL helpers", function()
  it("parse_url: scheme, host, port and path (no query or fragment)", function()
    assert.are.same({ "https", "example.com", 8443, "/A" },
      { workspace.parse_url("HTTPS://Example.COM:8443/A?x=1#f") })
    assert.are.same({ "http", "[::1]", 9, "/cb" }, { workspace.parse_url("http://[::1]:9/cb") })
    assert.are.same({ "https", "h", nil, "/a%20b" }, { workspace.parse_url("https://h/a%20b") })
  end)

  it("parse_url: nil, err for user information, no host, a bad port or a NUL", function()
    local function no(url, reason)
      local scheme, e = workspace.parse_url(url)
      assert.is_nil(scheme, url)
      assert.matches(reason, e.message, 1, true)
    end
    no("https://user@h/", "not a valid URL: it carries user information")
    no("https://evil.com\\@acme.my.salesforce.com/", "it carries user information")
    no("https:///x", "no host")
    no("https://h:70000/", "Port number")
    no("https://h/\0", "NUL byte")
  end)

  it("origin: scheme://host[:port]", function()
    assert.are.equal("https://login.example.com",
      workspace.origin("HTTPS://Login.Example.com/services/oauth2/token?x#y"))
    assert.are.equal("http://[::1]:9", workspace.origin("http://[::1]:9/t"))
    assert.is_nil(workspace.origin("https://u@h/"))
  end)

  it("parse_query: the query split on & and =, each part unescaped", function()
    assert.are.same({ code = "a b+c", state = "s&t", flag = "", e = "", ["k y"] = "1" },
      workspace.parse_query("https://h/cb?code=a+b%2Bc&state=s%26t&flag&e=&k%20y=1#state=x"))
    assert.are.same({ code = "1", state = "2" },
      workspace.parse_query("/callback?code=1&state=2"))
    assert.are.same({}, workspace.parse_query("https://h/cb"))
    assert.are.same({}, workspace.parse_query("https://h/cb#code=1&state=2"))
    local q, e = workspace.parse_query("https://h/cb?code=\0")
    assert.is_nil(q)
    assert.matches("NUL byte", e.message, 1, true)
  end)

  it("profiles: a URL field that is not a URL says why", function()
    local base = { identity_provider = "x", client_id = "c",
      authorization_url = "https://h/auth", token_url = "https://h/token" }
    local function with(k, v)
      local f = {}
      for name, value in pairs(base) do f[name] = value end
      f[k] = v
      return workspace.validate_profile("p", f)
    end
    assert.truthy(with("callback_url", "http://[::1]:8080/cb"))
    assert.truthy(with("token_url", "HTTPS://H/token"))
    local _, msg = with("token_url", "https://h:99999/token")
    assert.are.equal("token url is not a valid URL (Port number was not a decimal number "
      .. "between 0 and 65535): https://h:99999/token", msg)
    _, msg = with("token_url", "https://user@h/token")
    assert.are.equal("token url is not a valid URL (it carries user information (user@host)): "
      .. "https://user@h/token", msg)
    _, msg = with("authorization_url", "https:///auth")
    assert.matches("^authorization url is not a valid URL %(no host", msg)
    _, msg = with("callback_url", "ftp://h/cb")
    assert.are.equal("callback url is not an http(s) URL: ftp://h/cb", msg)
    _, msg = with("callback_url", "http://example.com/cb")
    assert.are.equal("callback url must use https (http is allowed only for loopback hosts)",
      msg)
    _, msg = with("callback_url", "http://[::1]:8080/cb")
    assert.is_nil(msg)
  end)
end)
