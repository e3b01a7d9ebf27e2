-- salesforce.oauth, the Lua face of the grants, against the emulator:
-- the web-server flow through authorize_url/exchange_code, refresh, client
-- credentials, JWT, password, the device flow, identity, userinfo, revoke,
-- and the contract of a closed client.
local helper = require "spec.helper"

package.cpath = helper.module_dir .. "/?.so;" .. package.cpath
local salesforce = require "salesforce"
local oauth = require "salesforce.oauth"

local function query_of(url)
  local out = {}
  for k, v in (url:match("%?(.*)$") or ""):gmatch("([^&=]+)=([^&]*)") do
    out[k] = require("salesforce.core").url_unescape(v, true)
  end
  return out
end

describe("salesforce.oauth", function()
  local emu, client

  setup(function()
    emu = helper.emulator{ https = true }
  end)

  teardown(function()
    emu.stop()
  end)

  before_each(function()
    emu.call("POST", "/reset")
    client = assert(oauth.new{ client_id = "luaforce-test-client",
      client_secret = "luaforce-test-secret", login_url = emu.url,
      redirect_uri = "http://127.0.0.1:8765/callback", scope = "api refresh_token openid",
      policy = { allow_loopback = true }, http = { ca_file = emu.ca } })
  end)

  after_each(function()
    client:close()
  end)

  it("is reachable as salesforce.oauth", function()
    assert.are.equal(oauth, salesforce.oauth)
  end)

  it("runs the web-server flow with PKCE and state, then refreshes", function()
    local url, pending = client:authorize_url()
    local q = query_of(url)
    assert.are.equal("S256", q.code_challenge_method)
    assert.are.equal(pending.state, q.state)
    assert.are.equal(select(2, oauth.pkce(pending.verifier)), q.code_challenge)
    local location = helper.browse(url, emu.ca)
    local back = query_of(location)
    assert.are.equal(pending.state, back.state)
    local tokens = assert(client:exchange_code(back.code, pending.verifier))
    assert.is_true(tokens.signature_verified)
    assert.truthy(tokens.refresh_token)
    local fresh = assert(client:refresh(tokens.refresh_token))
    assert.are_not.equal(tokens.access_token, fresh.access_token)
    -- a replayed code is refused
    local again, err = client:exchange_code(back.code, pending.verifier)
    assert.is_nil(again)
    assert.are.equal("oauth", err.kind)
    assert.are.equal("invalid_grant", err.remote_code)
  end)

  it("runs client credentials, JWT bearer and the password flow", function()
    assert.truthy(assert(client:client_credentials()).access_token)
    local key = emu.call("GET", "/jwt-key").private_key_path
    local t = assert(client:jwt_bearer(key, "dev@example.com", emu.url))
    assert.is_nil(t.refresh_token)
    assert.truthy(assert(client:password("dev@example.com", "password1TOKEN")).access_token)
  end)

  it("runs the device flow", function()
    emu.call("POST", "/app", { device_interval = 0 })
    local info = assert(client:device_start())
    local pending, err = client:device_poll(info.device_code)
    assert.is_nil(pending)
    assert.are.equal("pending", err.kind)
    emu.call("POST", "/device/approve", { user_code = info.user_code,
      username = "dev@example.com" })
    assert.truthy(assert(client:device_poll(info.device_code)).access_token)
  end)

  it("reads identity and userinfo, and revokes", function()
    local tokens = assert(client:client_credentials())
    local id = assert(client:identity(tokens))
    assert.are.equal("dev@example.com", id.username)
    local info = assert(client:userinfo(tokens))
    assert.are.equal("dev@example.com", info.preferred_username)
    assert.is_true(assert(client:revoke(tokens.access_token)))
    local _, err = client:identity(tokens)
    assert.are.equal("oauth", err.kind)
    -- the identity URL answers 403 (Bad_OAuth_Token) to a revoked token
    assert.is_true(err.status == 401 or err.status == 403)
  end)

  it("raises on misuse and on a closed client", function()
    assert.has_error(function() oauth.new{} end,
      "salesforce.oauth.new needs a table with client_id")
    client:close()
    assert.has_error(function() client:client_credentials() end,
      "attempt to use a closed OAuth client")
    client:close() -- idempotent
  end)
end)
