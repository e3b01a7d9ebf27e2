-- The example bot: creates and shows Salesforce Leads.
local dialog = require "luaforce.dialog"

return dialog.bot{
  name = "leads",
  welcome = "Hi! I can create a lead or show one.",
  responses = {
    task_failed = "Sorry, that did not work. Please try again later.",
  },
}
