-- luaforce.args: command-line options for luaforce commands. A spec maps
-- each option to "value" (takes the next argument, or --opt=value) or
-- "flag"; "list" collects repeated values. Unknown options and missing
-- values are errors; "--" ends the options.
local io, table = io, table

local _M = {}

--- Parses `args` with `spec`. Returns opts (keys without the dashes,
-- '-' turned into '_') and the positional arguments, or nil and a message.
function _M.parse(args, spec)
  local opts, pos = {}, {}
  local i = 1
  while i <= #args do
    local a = args[i]
    if a == "--" then
      table.move(args, i + 1, #args, #pos + 1, pos)
      break
    end
    local name, inline = a:match("^(%-%-[%w-]+)=(.*)$")
    name = name or a
    local kind = spec[name]
    if name:sub(1, 2) == "--" or (name:sub(1, 1) == "-" and #name > 1) then
      if not kind then return nil, "unknown option '" .. name .. "'" end
      local key = name:gsub("^%-+", ""):gsub("-", "_")
      if kind == "flag" then
        if inline then return nil, "option '" .. name .. "' takes no value" end
        opts[key] = true
      else
        local v = inline
        if not v then
          i = i + 1
          v = args[i]
          if v == nil or (v:sub(1, 2) == "--" and #v > 2) then
            return nil, "option '" .. name .. "' needs a value"
          end
        end
        if kind == "list" then
          opts[key] = opts[key] or {}
          opts[key][#opts[key] + 1] = v
        else
          opts[key] = v
        end
      end
    else
      pos[#pos + 1] = a
    end
    i = i + 1
  end
  return opts, pos
end

--- Reads one line from standard input (a secret given as '-').
function _M.read_stdin_line()
  local line = io.read("l")
  return line and line:gsub("\r$", "") or nil
end

return _M
