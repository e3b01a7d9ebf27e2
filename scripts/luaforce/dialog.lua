-- luaforce.dialog: the dialog engine. Task files and bots are loaded and
-- validated by luaforce.dialog.loader, a turn is the reducer in
-- luaforce.dialog.engine, service calls are run by luaforce.dialog.runner.
-- Task files see a subset of this module (luaforce.dialog.api) in the
-- sandbox.
local api = require "luaforce.dialog.api"
local engine = require "luaforce.dialog.engine"
local loader = require "luaforce.dialog.loader"

local _M = {
  task = api.task,
  bot = api.bot,
  ref = api.ref,
  --- Loads a bot folder or a task file: bot, or nil and the problems.
  load = loader.load,
  --- A new session state.
  new = engine.new,
  --- turn(state, input, env) -> state, messages, effects[, failure]
  turn = engine.turn,
  encode = engine.encode,
  --- awaits_secret(bot, state): the session waits for a secret entity's answer
  awaits_secret = engine.awaits_secret,
  --- shown(bot, state, text): a user line as runners echo it ("****" when secret)
  shown = engine.shown,
  MASK = engine.MASK,
  decode = engine.decode,
  RESPONSES = loader.RESPONSES,
}

return _M
