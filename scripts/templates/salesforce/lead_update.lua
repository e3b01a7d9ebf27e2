-- Update a Lead (Salesforce action template): the lead's id (read first:
-- an unknown one is said at once), which field to change, then the new
-- value typed by field (status, lead source and industry from the org's
-- picklists, by label, synonym or close match; a dependent picklist's
-- values those valid for the lead's controlling value); a value Salesforce
-- refuses, naming the field, is asked again.
local dialog = require "luaforce.dialog"
local sf = require "luaforce.dialog.salesforce"

-- The fields the user can change, as AskOptions offers them; each answered
-- by the entity ENTITY names (else Text).
local OPTIONS = { { value = "Status", display = "status", synonyms = { "lead status" } },
  { value = "Title", display = "title" },
  { value = "MobilePhone", display = "mobile phone", synonyms = { "mobile" } },
  { value = "Email", display = "email" }, { value = "Phone", display = "phone" },
  { value = "Company", display = "company" }, { value = "FirstName", display = "first name" },
  { value = "LastName", display = "last name" },
  { value = "LeadSource", display = "lead source", synonyms = { "source" } },
  { value = "Industry", display = "industry" } }
local ENTITY = { Status = "LeadStatus", Title = "Title", MobilePhone = "MobilePhone",
  Email = "Email", Phone = "Phone", LeadSource = "LeadSource", Industry = "Industry" }

return dialog.task{
  name = "lead_update",
  display_name = "Update a Lead",
  description = "Kore.ai intent Update lead",
  utterances = { "update lead", "update a lead", "change lead", "edit lead", "Update lead" },
  integration = "salesforce",
  nodes = {
    { name = "Id", type = "entity", entity_type = "salesforce_id", prefix = "00Q",
      prompt = "Which lead? (its id, starting with 00Q)",
      error_prompts = { "That id does not look right: {{reason}}. "
        .. "Which lead? (its id, starting with 00Q)" },
      next = "getLeadService" },
    { name = "getLeadService", type = "service", method = "GET",
      path = "/sobjects/Lead/{{context.entities.Id}}", on_failure = "getLeadMessage",
      next = "AskOptions" },
    { name = "getLeadMessage", type = "message", script = function(context)
        print(sf.failure(context.getLeadService.response, "lead"))
      end },
    { name = "AskOptions", type = "entity", entity_type = "picklist",
      prompt = "Which field should I change: status, title, mobile phone, email, phone, "
        .. "company, first name, last name, lead source or industry?",
      values = OPTIONS, next = "nameField" },
    { name = "nameField", type = "script", script = function(context)
        sf.field_name(context, OPTIONS)
      end,
      next = {
        { when = { "context.entities.AskOptions", "==", "Status" }, go = "LeadStatus" },
        { when = { "context.entities.AskOptions", "==", "MobilePhone" }, go = "MobilePhone" },
        { when = { "context.entities.AskOptions", "==", "Phone" }, go = "Phone" },
        { when = { "context.entities.AskOptions", "==", "Email" }, go = "Email" },
        { when = { "context.entities.AskOptions", "==", "Title" }, go = "Title" },
        { when = { "context.entities.AskOptions", "==", "LeadSource" }, go = "LeadSource" },
        { when = { "context.entities.AskOptions", "==", "Industry" }, go = "Industry" },
        { go = "Text" } } },
    { name = "LeadStatus", type = "entity", entity_type = "picklist",
      values_from = { sobject = "Lead", field = "Status" },
      synonyms = { ["Working - Contacted"] = { "working", "contacted" },
        ["Closed - Converted"] = { "converted" },
        ["Closed - Not Converted"] = { "lost", "not converted" } },
      prompt = "Which status?", next = "updateLeadScript" },
    { name = "LeadSource", type = "entity", entity_type = "picklist",
      values_from = { sobject = "Lead", field = "LeadSource" },
      prompt = "Which lead source?", next = "updateLeadScript" },
    { name = "Industry", type = "entity", entity_type = "picklist",
      values_from = { sobject = "Lead", field = "Industry",
        record = "context.getLeadService.response.body" },
      prompt = "Which industry?", next = "updateLeadScript" },
    { name = "Title", type = "entity", entity_type = "string",
      prompt = "The new title?", next = "updateLeadScript" },
    { name = "Text", type = "entity", entity_type = "string",
      prompt = "The new {{context.fieldName}}?", next = "updateLeadScript" },
    { name = "MobilePhone", type = "entity", entity_type = "phone",
      prompt = "The new mobile phone number?", next = "updateLeadScript" },
    { name = "Phone", type = "entity", entity_type = "phone",
      prompt = "The new phone number?", next = "updateLeadScript" },
    { name = "Email", type = "entity", entity_type = "email",
      prompt = "The new email address?", next = "updateLeadScript" },
    { name = "updateLeadScript", type = "script", script = function(context)
        sf.update_payload(context, ENTITY)
      end, next = "subDomainService" },
    { name = "subDomainService", type = "service", call = sf.subdomain,
      on_failure = "updateLeadMessage", next = "updateLeadService" },
    { name = "updateLeadService", type = "service", method = "PATCH",
      path = "/sobjects/Lead/{{context.entities.Id}}", body = "{{context.payload}}",
      headers = { ["Sforce-Duplicate-Rule-Header"] = "includeRecordDetails=true" },
      on_failure = "updateLeadMessage", next = "updateLeadMessage" },
    { name = "updateLeadMessage", type = "message", script = function(context)
        local res = sf.response(context, "updateLeadService")
        context.fix = nil
        if sf.ok(res) then
          local name = sf.updated_name(context.getLeadService.response.body, context.payload)
          print(sf.card(context.subDomainService.response.body.instance_url, "Lead",
            context.entities.Id, "Lead " .. sf.show(name) .. " (" .. context.entities.Id
              .. ") was updated: " .. context.fieldName .. " is now " .. context.newValue .. "."))
        else
          print(sf.failed(context, res, "lead", "Lead"))
          context.fix = sf.refused_entity(res, context, ENTITY) -- asked again
        end
      end,
      next = { { when = { "context.fix", "exists" }, go = "fixValue" } } },
    { name = "fixValue", type = "script", script = sf.forget_refused, next = "nameField" },
  },
}
