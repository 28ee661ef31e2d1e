//! Chart rendering: the template context, Helm's own functions, NOTES, hooks and kind order.
