"""WTForms classes, by area. Fields render with GOV.UK Frontend macros."""
