-- Lead Capture (Salesforce dialog template): asks for each field below,
-- then creates the Lead. `luaforce templates install lead_capture
-- --fields FirstName,LastName,Company,Email,...` writes the fields chosen,
-- each typed from the org's describe of Lead, between the two markers.
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

-- fields: begin
local FIELDS = {
  { name = "FirstName", label = "First Name", type = "string", optional = true },
  { name = "LastName", label = "Last Name", type = "string" },
  { name = "Company", label = "Company", type = "string" },
  { name = "Email", label = "Email", type = "email", optional = true },
}
-- fields: end

-- The question of field `f`: a checkbox's is a yes-or-no question; a
-- picklist's says "or 'skip'" before the values offered after it.
local function prompt(f)
  local skip = f.optional and "or 'skip'" or nil
  if f.type == "boolean" then
    return f.label .. "? (yes or no" .. (skip and (", " .. skip) or "") .. ")"
  end
  local what = "Your " .. f.label:lower()
  if f.type == "picklist" and skip then return what .. " (" .. skip .. ")?" end
  return what .. "?" .. (skip and (" (" .. skip .. ")") or "")
end

local nodes, body = {}, {}
for i, f in ipairs(FIELDS) do
  local nxt = FIELDS[i + 1] and FIELDS[i + 1].name or "confirmCapture"
  local node = { name = f.name, type = "entity", entity_type = f.type, next = nxt,
    prompt = prompt(f), mode = f.optional and "optional" or nil }
  if f.type == "picklist" then node.values_from = { sobject = "Lead", field = f.name } end
  nodes[#nodes + 1] = node
  body[f.name] = "{{context.entities." .. f.name .. "}}"
end
nodes[#nodes + 1] = { name = "confirmCapture", type = "confirmation",
  prompt = "Shall I send your details to our team?", yes = "subDomainService",
  no = "keptMessage" }
nodes[#nodes + 1] = { name = "subDomainService", type = "service", call = sf.subdomain,
  on_failure = "captureLeadMessage", next = "captureLeadService" }
nodes[#nodes + 1] = { name = "captureLeadService", type = "service", method = "POST",
  path = "/sobjects/Lead", body = body, on_failure = "captureLeadMessage",
  headers = { ["Sforce-Duplicate-Rule-Header"] = "includeRecordDetails=true" },
  next = "captureLeadMessage" }
nodes[#nodes + 1] = { name = "captureLeadMessage", type = "message", script = function(context)
    local res = sf.response(context, "captureLeadService")
    if sf.ok(res) and res.body.id then
      print(sf.card(context.subDomainService.response.body.instance_url, "Lead", res.body.id,
        "Thank you! Your details were saved (lead " .. res.body.id .. ")."))
    else
      print(sf.failed(context, res, "lead", "Lead"))
    end
  end }
nodes[#nodes + 1] = { name = "keptMessage", type = "message",
  text = "OK, I have not sent anything." }

return dialog.task{
  name = "lead_capture",
  display_name = "Lead Capture",
  description = "Kore.ai Marketplace dialog template Lead Capture for Salesforce CRM",
  utterances = { "contact sales", "i am interested", "talk to sales", "leave my details" },
  integration = "salesforce",
  nodes = nodes,
}
