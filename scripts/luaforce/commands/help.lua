-- luaforce.commands.help: `luaforce help [COMMAND]`.
return {
  summary = "show help for luaforce or for one command",
  usage = "luaforce help [COMMAND]",
  run = function(args, ctx)
    return ctx.cli.help(args[1])
  end,
}
