"""Bulk status check of an uploaded list of standards (the `import-catalogue --check` logic)."""
