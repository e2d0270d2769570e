"""Sub-commands of the `stdwatch` command, one module per topic."""
