"""Reusable parts: field edits and their messages, the money input, the form dialog, prompts, tables,
stars. They import nothing of the other rooms of desktop/."""
