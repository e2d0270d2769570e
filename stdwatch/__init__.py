"""StdWatch's shared domain: identifiers, records and the store of record. Imports nothing from above it."""
