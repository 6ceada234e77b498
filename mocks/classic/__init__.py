"""Classic Azure Service Management (XML over mutual TLS) and classic CMG seeding."""
