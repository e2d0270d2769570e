"""One spider per source; file name = spider name (`<issuer>_<site>`)."""
