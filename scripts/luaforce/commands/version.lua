-- luaforce.commands.version: `luaforce version`.
return {
  summary = "print the version of luaforce and its libraries",
  usage = "luaforce version",
  run = function(_, ctx)
    io.stdout:write(ctx.cli.version_string(), "\n")
    return 0
  end,
}
