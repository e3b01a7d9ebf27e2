-- luaforce.commands.run: `luaforce run FILE [ARGS...]`.
local chunk = require "luaforce.chunk"

return {
  summary = "run a Lua script file headlessly",
  usage = "luaforce run FILE [ARGS...]",
  help = [=[
Runs FILE as a Lua 5.4 script. `require "salesforce"` and
`require "cjson"` are available. The script receives ARGS as `...` and in
the global table `arg` (arg[0] is FILE, arg[1] the first argument).
FILE '-' reads the script from standard input.

Exit status: 0 when the script ends normally, the value given to
os.exit(n) when it calls it, 1 when it raises an error (printed with a
traceback) or cannot be loaded, 2 for a usage error.]=],
  run = function(args, ctx)
    local file = args[1]
    if not file then
      ctx.cli.err("run: missing FILE (usage: luaforce run FILE [ARGS...])")
      return 2
    end
    local rest = table.move(args, 2, #args, 1, {})
    return chunk.run_file(file ~= "-" and file or nil, rest, ctx.progname)
  end,
}
