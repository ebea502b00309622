"""Step definitions for the checklist: live libraries and placeholders."""
