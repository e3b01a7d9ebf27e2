"""sObject metadata for the emulated objects (Lead, Opportunity, Account,
Contact, User, Organization) and the describe / describeGlobal bodies
built from it. Field types, lengths and picklists follow
salesforce-api.md 4.1-4.2."""

import re

import shapes

RECORD_TYPE_MASTER = "012000000000000AAA"

LEAD_SOURCES = ["Web", "Phone Inquiry", "Partner Referral", "Purchased List",
                "Other"]
INDUSTRIES = [
    "Agriculture", "Apparel", "Banking", "Biotechnology", "Chemicals",
    "Communications", "Construction", "Consulting", "Education", "Electronics",
    "Energy", "Engineering", "Entertainment", "Environmental", "Finance",
    "Food & Beverage", "Government", "Healthcare", "Hospitality", "Insurance",
    "Machinery", "Manufacturing", "Media", "Not For Profit", "Recreation",
    "Retail", "Shipping", "Technology", "Telecommunications", "Transportation",
    "Utilities", "Other"]
SALUTATIONS = ["Mr.", "Ms.", "Mrs.", "Dr.", "Prof."]
RATINGS = ["Hot", "Warm", "Cold"]
LEAD_STATUSES = ["Open - Not Contacted", "Working - Contacted",
                 "Closed - Converted", "Closed - Not Converted"]
# Stage -> (probability, forecast category, forecast category name, closed,
# won). Default probabilities are UNCONFIRMED in the reference (commonly
# cited values); forecast mapping follows the out-of-the-box stage table.
STAGES = {
    "Prospecting": (10, "Pipeline", "Pipeline", False, False),
    "Qualification": (10, "Pipeline", "Pipeline", False, False),
    "Needs Analysis": (20, "Pipeline", "Pipeline", False, False),
    "Value Proposition": (50, "Pipeline", "Pipeline", False, False),
    "Id. Decision Makers": (60, "Pipeline", "Pipeline", False, False),
    "Perception Analysis": (70, "Pipeline", "Pipeline", False, False),
    "Proposal/Price Quote": (75, "Pipeline", "Pipeline", False, False),
    "Negotiation/Review": (90, "Pipeline", "Pipeline", False, False),
    "Closed Won": (100, "Closed", "Closed", True, True),
    "Closed Lost": (0, "Omitted", "Omitted", True, False),
}
OPP_TYPES = ["Existing Customer - Upgrade", "Existing Customer - Replacement",
             "Existing Customer - Downgrade", "New Customer"]
ACCOUNT_TYPES = ["Prospect", "Customer - Direct", "Customer - Channel",
                 "Channel Partner / Reseller", "Installation Partner",
                 "Technology Partner", "Other"]
EDITIONS = ["Team Edition", "Professional Edition", "Enterprise Edition",
            "Developer Edition", "Personal Edition", "Unlimited Edition",
            "Contact Manager Edition", "Base Edition"]

TEXT_TYPES = {"string", "textarea", "picklist", "email", "phone", "url",
              "multipicklist", "combobox", "encryptedstring"}
NUMBER_TYPES = {"int", "double", "currency", "percent"}
SOAP_TYPES = {
    "id": "tns:ID", "reference": "tns:ID", "boolean": "xsd:boolean",
    "int": "xsd:int", "double": "xsd:double", "currency": "xsd:double",
    "percent": "xsd:double", "date": "xsd:date", "datetime": "xsd:dateTime",
    "address": "urn:address"}


def _label(name):
    base = name[:-3] if name.endswith("__c") else name
    if base.endswith("Id") and len(base) > 2:
        base = base[:-2] + " ID"
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", base).replace("_", " ")


class Field:
    """One field's metadata; `describe()` renders Salesforce's shape."""

    def __init__(self, name, ftype, label=None, length=0, required=False,
                 ro=False, create_only=False, nillable=None, default=None,
                 picklist=None, restricted=False, ref=None, rel=None,
                 external=False, unique=False, precision=0, scale=0,
                 name_field=False, compound=None, custom=False,
                 defaulted=None, id_lookup=None, calculated=False):
        self.name = name
        self.type = ftype
        self.label = label or _label(name)
        self.length = length
        self.precision = precision
        self.scale = scale
        self.createable = not ro
        self.updateable = not ro and not create_only
        if nillable is None:
            nillable = not required and ftype not in ("boolean", "id")
        self.nillable = nillable
        self.default = default
        self.defaulted = bool(default is not None or ftype == "boolean"
                              if defaulted is None else defaulted)
        self.picklist = picklist or []      # the active values
        self.restricted = restricted
        self.custom_entries = None          # set by shapes.apply_picklists
        self.controller = None
        self.ref = ref or []
        self.rel = rel
        self.external = external
        self.unique = unique
        self.name_field = name_field
        self.compound = compound
        self.custom = custom or name.endswith("__c")
        self.id_lookup = (ftype == "id" or external or unique
                          if id_lookup is None else id_lookup)
        self.calculated = calculated

    @property
    def required(self):
        """Required on create: createable, not nillable, not defaulted."""
        return self.createable and not self.nillable and not self.defaulted

    @property
    def is_text(self):
        return self.type in TEXT_TYPES or self.type == "textarea"

    def entries(self):
        """Every picklist value as {value, label, active, default,
        valid_for}: the configured ones, or the built-in values."""
        if self.custom_entries is not None:
            return self.custom_entries
        return [{"value": v, "label": v, "active": True,
                 "default": v == self.default, "valid_for": None}
                for v in self.picklist]

    def describe(self, obj=None):
        t = self.type
        text = t in TEXT_TYPES
        length = self.length if (text or t in ("id", "reference")) else 0
        byte_length = length * 3 if text or t in ("id", "reference") else 0
        digits = 9 if t == "int" else 0
        precision = self.precision if t in ("double", "currency",
                                            "percent") else 0
        scale = self.scale if t in ("double", "currency", "percent") else 0
        ctl = obj.field(self.controller) if obj and self.controller else None
        plv = [{"active": e["active"], "defaultValue": e["default"],
                "label": e["label"], "validFor":
                shapes.valid_for(ctl, e["valid_for"]) if ctl else None,
                "value": e["value"]} for e in self.entries()
               if e["active"]]     # inactive values are not described
        filterable = t not in ("address", "textarea") or self.length <= 255
        return {
            "aggregatable": t not in ("address", "textarea", "boolean"),
            "aiPredictionField": False,
            "autoNumber": False,
            "byteLength": byte_length,
            "calculated": self.calculated,
            "calculatedFormula": None,
            "cascadeDelete": False,
            "caseSensitive": False,
            "compoundFieldName": self.compound,
            "controllerName": ctl.name if ctl else None,
            "createable": self.createable,
            "custom": self.custom,
            "defaultValue": (self.default if t not in ("boolean",)
                             else bool(self.default)),
            "defaultValueFormula": None,
            "defaultedOnCreate": self.defaulted,
            "dependentPicklist": ctl is not None,
            "deprecatedAndHidden": False,
            "digits": digits,
            "displayLocationInDecimal": False,
            "encrypted": False,
            "externalId": self.external,
            "extraTypeInfo": ("personname" if self.name_field
                              and self.compound is None and t == "string"
                              and self.label == "Full Name" else None),
            "filterable": filterable,
            "filteredLookupInfo": None,
            "formulaTreatNullNumberAsZero": False,
            "groupable": t not in ("address", "textarea", "double",
                                   "currency", "percent", "datetime"),
            "highScaleNumber": False,
            "htmlFormatted": False,
            "idLookup": self.id_lookup,
            "inlineHelpText": None,
            "label": self.label,
            "length": length,
            "mask": None,
            "maskType": None,
            "name": self.name,
            "nameField": self.name_field,
            "namePointing": len(self.ref) > 1,
            "nillable": self.nillable,
            "permissionable": self.nillable and self.createable,
            "picklistValues": plv,
            "polymorphicForeignKey": len(self.ref) > 1,
            "precision": precision,
            "queryByDistance": False,
            "referenceTargetField": None,
            "referenceTo": list(self.ref),
            "relationshipName": self.rel,
            "relationshipOrder": None,
            "restrictedDelete": False,
            "restrictedPicklist": self.restricted,
            "scale": scale,
            "searchPrefilterable": t == "reference",
            "soapType": SOAP_TYPES.get(t, "xsd:string"),
            "sortable": t not in ("address", "textarea") or self.length <= 255,
            "type": t,
            "unique": self.unique,
            "updateable": self.updateable,
            "writeRequiresMasterRead": False,
        }


def _system(deletable=True):
    fields = [Field("Id", "id", "Record ID", length=18, ro=True)]
    if deletable:
        fields.append(Field("IsDeleted", "boolean", "Deleted", ro=True))
    fields += [
        Field("CreatedDate", "datetime", "Created Date", ro=True,
              nillable=False, defaulted=True),
        Field("CreatedById", "reference", "Created By ID", length=18, ro=True,
              nillable=False, defaulted=True, ref=["User"], rel="CreatedBy"),
        Field("LastModifiedDate", "datetime", "Last Modified Date", ro=True,
              nillable=False, defaulted=True),
        Field("LastModifiedById", "reference", "Last Modified By ID",
              length=18, ro=True, nillable=False, defaulted=True,
              ref=["User"], rel="LastModifiedBy"),
        Field("SystemModstamp", "datetime", "System Modstamp", ro=True,
              nillable=False, defaulted=True),
    ]
    return fields


def _owner():
    return Field("OwnerId", "reference", "Owner ID", length=18,
                 nillable=False, defaulted=True, ref=["User"], rel="Owner")


def _address(prefix, label):
    """Street/City/State/PostalCode/Country plus the compound field."""
    comp = prefix + "Address"
    p = prefix
    return [
        Field(p + "Street", "textarea", label + " Street", length=255,
              compound=comp),
        Field(p + "City", "string", label + " City", length=40,
              compound=comp),
        Field(p + "State", "string", label + " State/Province", length=80,
              compound=comp),
        Field(p + "PostalCode", "string", label + " Zip/Postal Code",
              length=20, compound=comp),
        Field(p + "Country", "string", label + " Country", length=80,
              compound=comp),
        Field(comp, "address", label + " Address", ro=True),
    ]


def _ext_id():
    # Not a standard field: every emulated object gets one external id
    # custom field so that upsert by external id can be exercised.
    return Field("Ext_Id__c", "string", "External ID", length=255,
                 external=True)


def _lead():
    f = _system() + [
        Field("LastName", "string", "Last Name", length=80, required=True,
              compound="Name"),
        Field("FirstName", "string", "First Name", length=40,
              compound="Name"),
        Field("Salutation", "picklist", "Salutation", length=40,
              picklist=SALUTATIONS, compound="Name"),
        Field("Name", "string", "Full Name", length=121, ro=True,
              nillable=False, defaulted=False, name_field=True),
        Field("Title", "string", "Title", length=128),
        Field("Company", "string", "Company", length=255, required=True),
    ] + _address("", "") + [
        Field("Phone", "phone", "Phone", length=40),
        Field("MobilePhone", "phone", "Mobile Phone", length=40),
        Field("Fax", "phone", "Fax", length=40),
        Field("Email", "email", "Email", length=80),
        Field("Website", "url", "Website", length=255),
        Field("Description", "textarea", "Description", length=32000),
        Field("LeadSource", "picklist", "Lead Source", length=255,
              picklist=LEAD_SOURCES),
        # Status is non-nillable but defaulted (reference 4.1); restricted
        # is UNCONFIRMED: new orgs restrict standard picklists by default.
        Field("Status", "picklist", "Status", length=255, nillable=False,
              default="Open - Not Contacted", picklist=LEAD_STATUSES,
              restricted=True),
        Field("Industry", "picklist", "Industry", length=255,
              picklist=INDUSTRIES),
        Field("Rating", "picklist", "Rating", length=255, picklist=RATINGS),
        Field("AnnualRevenue", "currency", "Annual Revenue", precision=18,
              scale=0),
        Field("NumberOfEmployees", "int", "Employees"),
        _owner(),
        Field("HasOptedOutOfEmail", "boolean", "Email Opt Out"),
        Field("IsConverted", "boolean", "Converted", ro=True),
        Field("ConvertedDate", "date", "Converted Date", ro=True),
        Field("ConvertedAccountId", "reference", "Converted Account ID",
              length=18, ro=True, ref=["Account"], rel="ConvertedAccount"),
        Field("ConvertedContactId", "reference", "Converted Contact ID",
              length=18, ro=True, ref=["Contact"], rel="ConvertedContact"),
        Field("ConvertedOpportunityId", "reference",
              "Converted Opportunity ID", length=18, ro=True,
              ref=["Opportunity"], rel="ConvertedOpportunity"),
        Field("IsUnreadByOwner", "boolean", "Unread By Owner"),
        Field("DoNotCall", "boolean", "Do Not Call"),
        Field("HasOptedOutOfFax", "boolean", "Fax Opt Out"),
        Field("LastActivityDate", "date", "Last Activity", ro=True),
        Field("LastViewedDate", "datetime", "Last Viewed Date", ro=True),
        Field("LastReferencedDate", "datetime", "Last Referenced Date",
              ro=True),
        _ext_id(),
    ]
    return f


def _opportunity():
    return _system() + [
        Field("AccountId", "reference", "Account ID", length=18,
              ref=["Account"], rel="Account"),
        Field("Name", "string", "Name", length=120, required=True,
              name_field=True),
        Field("Description", "textarea", "Description", length=32000),
        Field("StageName", "picklist", "Stage", length=255, required=True,
              picklist=list(STAGES), restricted=True),
        Field("Amount", "currency", "Amount", precision=18, scale=2),
        Field("Probability", "percent", "Probability (%)", precision=3,
              scale=0, defaulted=True),
        Field("ExpectedRevenue", "currency", "Expected Amount",
              precision=18, scale=2, ro=True, calculated=True),
        Field("TotalOpportunityQuantity", "double", "Quantity",
              precision=18, scale=2),
        Field("CloseDate", "date", "Close Date", required=True),
        Field("Type", "picklist", "Opportunity Type", length=255,
              picklist=OPP_TYPES),
        Field("NextStep", "string", "Next Step", length=255),
        Field("LeadSource", "picklist", "Lead Source", length=255,
              picklist=LEAD_SOURCES),
        Field("IsClosed", "boolean", "Closed", ro=True),
        Field("IsWon", "boolean", "Won", ro=True),
        Field("ForecastCategory", "picklist", "Forecast Category", length=40,
              ro=True, nillable=False, defaulted=True,
              picklist=["Omitted", "Pipeline", "BestCase", "MostLikely",
                        "Forecast", "Closed"]),
        Field("ForecastCategoryName", "picklist", "Forecast Category",
              length=255, defaulted=True,
              picklist=["Omitted", "Pipeline", "Best Case", "Most Likely",
                        "Commit", "Closed"]),
        Field("CampaignId", "reference", "Campaign ID", length=18,
              ref=["Campaign"], rel="Campaign"),
        Field("Pricebook2Id", "reference", "Price Book ID", length=18,
              ref=["Pricebook2"], rel="Pricebook2"),
        Field("ContactId", "reference", "Contact ID", length=18,
              ref=["Contact"], rel="Contact"),
        _owner(),
        Field("LastActivityDate", "date", "Last Activity", ro=True),
        Field("FiscalQuarter", "int", "Fiscal Quarter", ro=True),
        Field("FiscalYear", "int", "Fiscal Year", ro=True),
        Field("Fiscal", "string", "Fiscal Period", length=6, ro=True),
        Field("LastViewedDate", "datetime", "Last Viewed Date", ro=True),
        Field("LastReferencedDate", "datetime", "Last Referenced Date",
              ro=True),
        _ext_id(),
    ]


def _account():
    return _system() + [
        Field("Name", "string", "Account Name", length=255, required=True,
              name_field=True),
        Field("Type", "picklist", "Account Type", length=255,
              picklist=ACCOUNT_TYPES),
        Field("ParentId", "reference", "Parent Account ID", length=18,
              ref=["Account"], rel="Parent"),
    ] + _address("Billing", "Billing") + _address("Shipping", "Shipping") + [
        Field("Phone", "phone", "Account Phone", length=40),
        Field("Fax", "phone", "Account Fax", length=40),
        Field("AccountNumber", "string", "Account Number", length=40),
        Field("Website", "url", "Website", length=255),
        Field("Industry", "picklist", "Industry", length=255,
              picklist=INDUSTRIES),
        Field("AnnualRevenue", "currency", "Annual Revenue", precision=18,
              scale=0),
        Field("NumberOfEmployees", "int", "Employees"),
        Field("Ownership", "picklist", "Ownership", length=255,
              picklist=["Public", "Private", "Subsidiary", "Other"]),
        Field("TickerSymbol", "string", "Ticker Symbol", length=20),
        Field("Description", "textarea", "Account Description",
              length=32000),
        Field("Rating", "picklist", "Account Rating", length=255,
              picklist=RATINGS),
        Field("Site", "string", "Account Site", length=80),
        _owner(),
        Field("AccountSource", "picklist", "Account Source", length=255,
              picklist=LEAD_SOURCES),
        Field("LastActivityDate", "date", "Last Activity", ro=True),
        Field("LastViewedDate", "datetime", "Last Viewed Date", ro=True),
        Field("LastReferencedDate", "datetime", "Last Referenced Date",
              ro=True),
        _ext_id(),
    ]


def _contact():
    return _system() + [
        Field("AccountId", "reference", "Account ID", length=18,
              ref=["Account"], rel="Account"),
        Field("LastName", "string", "Last Name", length=80, required=True,
              compound="Name"),
        Field("FirstName", "string", "First Name", length=40,
              compound="Name"),
        Field("Salutation", "picklist", "Salutation", length=40,
              picklist=SALUTATIONS, compound="Name"),
        Field("Name", "string", "Full Name", length=121, ro=True,
              nillable=False, defaulted=False, name_field=True),
    ] + _address("Mailing", "Mailing") + [
        Field("Phone", "phone", "Business Phone", length=40),
        Field("Fax", "phone", "Business Fax", length=40),
        Field("MobilePhone", "phone", "Mobile Phone", length=40),
        Field("HomePhone", "phone", "Home Phone", length=40),
        Field("ReportsToId", "reference", "Reports To ID", length=18,
              ref=["Contact"], rel="ReportsTo"),
        Field("Email", "email", "Email", length=80),
        Field("Title", "string", "Title", length=128),
        Field("Department", "string", "Department", length=80),
        Field("LeadSource", "picklist", "Lead Source", length=255,
              picklist=LEAD_SOURCES),
        Field("Birthdate", "date", "Birthdate"),
        Field("Description", "textarea", "Contact Description",
              length=32000),
        _owner(),
        Field("HasOptedOutOfEmail", "boolean", "Email Opt Out"),
        Field("DoNotCall", "boolean", "Do Not Call"),
        Field("LastActivityDate", "date", "Last Activity", ro=True),
        Field("LastViewedDate", "datetime", "Last Viewed Date", ro=True),
        Field("LastReferencedDate", "datetime", "Last Referenced Date",
              ro=True),
        _ext_id(),
    ]


def _user():
    return _system(deletable=False) + [
        Field("Username", "string", "Username", length=80, required=True,
              unique=True),
        Field("LastName", "string", "Last Name", length=80, required=True,
              compound="Name"),
        Field("FirstName", "string", "First Name", length=40,
              compound="Name"),
        Field("Name", "string", "Full Name", length=121, ro=True,
              nillable=False, defaulted=False, name_field=True),
        Field("CompanyName", "string", "Company Name", length=80),
        Field("Department", "string", "Department", length=80),
        Field("Title", "string", "Title", length=80),
    ] + _address("", "") + [
        Field("Email", "email", "Email", length=128, required=True),
        Field("Phone", "phone", "Phone", length=40),
        Field("MobilePhone", "phone", "Mobile", length=40),
        Field("Alias", "string", "Alias", length=8, required=True),
        Field("CommunityNickname", "string", "Nickname", length=40,
              required=True),
        Field("IsActive", "boolean", "Active"),
        Field("TimeZoneSidKey", "picklist", "Time Zone", length=40,
              required=True, picklist=["America/Los_Angeles", "GMT",
                                       "Europe/Paris", "America/New_York"]),
        Field("LocaleSidKey", "picklist", "Locale", length=40, required=True,
              picklist=["en_US", "en_GB", "fr_FR", "de_DE"]),
        Field("EmailEncodingKey", "picklist", "Email Encoding", length=40,
              required=True, picklist=["UTF-8", "ISO-8859-1"]),
        Field("LanguageLocaleKey", "picklist", "Language", length=40,
              required=True, picklist=["en_US", "fr", "de"]),
        Field("ProfileId", "reference", "Profile ID", length=18,
              required=True, ref=["Profile"], rel="Profile"),
        Field("UserType", "picklist", "User Type", length=40, ro=True,
              picklist=["Standard"]),
        Field("ManagerId", "reference", "Manager ID", length=18,
              ref=["User"], rel="Manager"),
        Field("LastLoginDate", "datetime", "Last Login", ro=True),
    ]


def _organization():
    return _system(deletable=False) + [
        Field("Name", "string", "Name", length=80, required=True,
              name_field=True),
        Field("Division", "string", "Division", length=80),
    ] + _address("", "") + [
        Field("Phone", "phone", "Phone", length=40),
        Field("PrimaryContact", "string", "Primary Contact", length=80),
        Field("DefaultLocaleSidKey", "picklist", "Locale", length=40,
              picklist=["en_US"]),
        Field("TimeZoneSidKey", "picklist", "Time Zone", length=40,
              picklist=["America/Los_Angeles", "GMT"]),
        Field("LanguageLocaleKey", "picklist", "Language", length=40,
              picklist=["en_US"]),
        Field("OrganizationType", "picklist", "Edition", length=40, ro=True,
              picklist=EDITIONS),
        # Type is UNCONFIRMED in the reference (sfdx-core types it as a
        # string); datetime is what the Organization field reference says.
        Field("TrialExpirationDate", "datetime", "Trial Expiration Date",
              ro=True),
        Field("IsSandbox", "boolean", "Is Sandbox", ro=True),
        Field("InstanceName", "string", "Instance Name", length=5, ro=True),
        Field("NamespacePrefix", "string", "Namespace Prefix", length=15,
              ro=True),
    ]


# name -> (key prefix, label, plural, builder, createable/deletable)
_OBJECTS = {
    "Account": ("001", "Account", "Accounts", _account, True),
    "Contact": ("003", "Contact", "Contacts", _contact, True),
    "Lead": ("00Q", "Lead", "Leads", _lead, True),
    "Opportunity": ("006", "Opportunity", "Opportunities", _opportunity,
                    True),
    # Users and the Organization are created from the configuration; the
    # emulator does not let the API create or delete them.
    "User": ("005", "User", "Users", _user, False),
    "Organization": ("00D", "Organization", "Organizations", _organization,
                     False),
}

# Child relationships exposed in describe (parent -> list).
_CHILDREN = {
    "Account": [("Contact", "AccountId", "Contacts"),
                ("Opportunity", "AccountId", "Opportunities"),
                ("Account", "ParentId", "ChildAccounts")],
    "Contact": [("Opportunity", "ContactId", "Opportunities")],
    "User": [("Lead", "OwnerId", None), ("Account", "OwnerId", None)],
}

# Fields searched by SOSL "IN NAME FIELDS" (besides the name field).
NAME_SEARCH = {"Lead": ["Name", "FirstName", "LastName", "Company"],
               "Contact": ["Name", "FirstName", "LastName"],
               "User": ["Name", "FirstName", "LastName", "Username"]}


class SObject:
    def __init__(self, name, prefix, label, plural, fields, writable):
        self.name = name
        self.key_prefix = prefix
        self.label = label
        self.label_plural = plural
        self.fields = fields
        self.by_lower = {f.name.lower(): f for f in fields}
        self.rels = {f.rel.lower(): f for f in fields if f.rel}
        self.createable = writable
        self.deletable = writable
        self.updateable = name != "Organization"
        self.name_field = next((f.name for f in fields if f.name_field),
                               "Name")
        self.external_ids = [f.name for f in fields if f.external]
        self.address_fields = [f.name for f in fields if f.type == "address"]
        name = self.by_lower.get("name")
        # Lead, Contact and User compute Name from FirstName + LastName.
        self.computed_name = bool(name and not name.createable
                                  and "firstname" in self.by_lower)

    def field(self, name):
        return self.by_lower.get((name or "").lower())

    def add_field(self, fld):
        self.fields.append(fld)
        self.by_lower[fld.name.lower()] = fld
        if fld.rel:
            self.rels[fld.rel.lower()] = fld
        if fld.external:
            self.external_ids.append(fld.name)

    def urls(self, v):
        base = "/services/data/v%s/sobjects/%s" % (v, self.name)
        return {"compactLayouts": base + "/describe/compactLayouts",
                "rowTemplate": base + "/{ID}",
                "approvalLayouts": base + "/describe/approvalLayouts",
                "describe": base + "/describe",
                "quickActions": base + "/quickActions",
                "layouts": base + "/describe/layouts",
                "sobject": base}

    def global_entry(self, v):
        """The describeGlobal / basic-info `objectDescribe` entry."""
        w = self.createable
        return {
            "activateable": False, "associateEntityType": None,
            "associateParentEntity": None, "createable": w, "custom": False,
            "customSetting": False, "deepCloneable": False, "deletable": w,
            "deprecatedAndHidden": False, "feedEnabled": w,
            "hasSubtypes": False, "isInterface": False, "isSubtype": False,
            "keyPrefix": self.key_prefix, "label": self.label,
            "labelPlural": self.label_plural, "layoutable": True,
            "mergeable": self.name in ("Account", "Contact", "Lead"),
            "mruEnabled": True, "name": self.name, "queryable": True,
            "replicateable": True, "retrieveable": True, "searchable":
            self.name != "Organization", "triggerable": w, "undeletable": w,
            "updateable": self.updateable, "urls": self.urls(v),
        }

    def describe(self, v, schema):
        d = self.global_entry(v)
        d.update({
            "actionOverrides": [], "childRelationships": [],
            "compactLayoutable": True, "defaultImplementation": None,
            "extendedBy": None, "extendsInterfaces": None,
            "fields": [f.describe(self) for f in self.fields],
            "implementedBy": None, "implementsInterfaces": None,
            "listviewable": None, "lookupLayoutable": None,
            "namedLayoutInfos": [], "networkScopeFieldName": None,
            "recordTypeInfos": [{
                "active": True, "available": True,
                "defaultRecordTypeMapping": True, "developerName": "Master",
                "master": True, "name": "Master",
                "recordTypeId": RECORD_TYPE_MASTER,
                "urls": {"layout": "/services/data/v%s/sobjects/%s/describe/"
                         "layouts/%s" % (v, self.name, RECORD_TYPE_MASTER)}}],
            "searchLayoutable": True, "supportedScopes": [
                {"label": "All %s" % self.label_plural.lower(),
                 "name": "everything"},
                {"label": "My %s" % self.label_plural.lower(),
                 "name": "mine"}],
        })
        for child, fname, rel in _CHILDREN.get(self.name, []):
            d["childRelationships"].append({
                "cascadeDelete": False, "childSObject": child,
                "deprecatedAndHidden": False, "field": fname,
                "junctionIdListNames": [], "junctionReferenceTo": [],
                "relationshipName": rel, "restrictedDelete": False})
        return dict(sorted(d.items()))


class Schema:
    """All emulated objects; one instance per emulator (custom fields from
    the configuration are added to it)."""

    def __init__(self, custom_fields=None):
        self.objects = {}
        for name, (prefix, label, plural, build, w) in _OBJECTS.items():
            self.objects[name] = SObject(name, prefix, label, plural,
                                         build(), w)
        self.by_lower = {n.lower(): o for n, o in self.objects.items()}
        self.by_prefix = {o.key_prefix: o for o in self.objects.values()}
        self._builtin = {}      # id(field) -> its built-in picklist
        for obj_name, specs in (custom_fields or {}).items():
            obj = self.get(obj_name)
            if obj is None:
                raise ValueError("custom_fields: unknown object %r"
                                 % obj_name)
            for spec in specs:
                obj.add_field(field_from_config(spec))

    def get(self, name):
        return self.by_lower.get((name or "").lower())

    def set_picklist(self, fld, spec):
        """Customise a picklist field (shapes.apply_picklists)."""
        key = id(fld)
        if key not in self._builtin:
            self._builtin[key] = (fld, fld.picklist, fld.default,
                                  fld.defaulted, fld.restricted)
        fld.custom_entries = spec["values"]
        fld.picklist = [e["value"] for e in spec["values"] if e["active"]]
        fld.default = next((e["value"] for e in spec["values"]
                            if e["default"] and e["active"]), None)
        fld.defaulted = fld.default is not None
        fld.controller = spec["controller"]
        if spec["restricted"] is not None:
            fld.restricted = bool(spec["restricted"])

    def restore_picklists(self):
        for fld, values, default, defaulted, restricted in \
                self._builtin.values():
            fld.picklist, fld.default = values, default
            fld.defaulted, fld.restricted = defaulted, restricted
            fld.custom_entries = fld.controller = None
        self._builtin = {}

    def child_relationship(self, parent, name):
        """(child SObject, its field referencing parent, relationship
        name) for a child relationship of parent such as Contacts, or
        None."""
        for child, fname, rel in _CHILDREN.get(parent.name, []):
            if rel and rel.lower() == (name or "").lower() and \
                    self.get(child) is not None:
                return self.get(child), fname, rel
        return None

    def names(self):
        return sorted(self.objects)


def field_from_config(spec):
    """Build a custom Field from a --config `custom_fields` entry."""
    spec = dict(spec)
    name = spec.pop("name")
    if not name.endswith("__c"):
        raise ValueError("custom field %r must end with __c" % name)
    ftype = spec.pop("type", "string")
    kw = {"label": spec.pop("label", None),
          "length": spec.pop("length", 255 if ftype in TEXT_TYPES else 0),
          "required": spec.pop("required", False),
          "external": spec.pop("external_id", False),
          "unique": spec.pop("unique", False),
          "precision": spec.pop("precision", 18),
          "scale": spec.pop("scale", 0),
          "picklist": spec.pop("picklist", None),
          "ref": spec.pop("reference_to", None)}
    if spec:
        raise ValueError("custom field %s: unknown keys %s"
                         % (name, sorted(spec)))
    if kw["ref"]:
        kw["ref"] = [kw["ref"]] if isinstance(kw["ref"], str) else kw["ref"]
        kw["rel"] = name[:-3] + "__r"
        kw["length"] = 18
    return Field(name, ftype, **kw)

