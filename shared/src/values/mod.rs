//! Values: coalescing chart defaults with user values, the `--set` syntax, schema validation.
