"""GraphQL object types; each builds from the domain\x27s Public schema, never a table model."""
