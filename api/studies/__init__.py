"""/api/studies: comparison studies (curated by curators, published for everyone)."""
