"""One file per dialog or wizard. A dialog imports widgets, never another dialog: one that opens another
is handed a callable that makes it."""
