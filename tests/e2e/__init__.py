"""Browser tests against a real Home Assistant running the demo house."""
