"""Escrowbook's Qt application: windows, dialogs, table models, export, CLI."""
