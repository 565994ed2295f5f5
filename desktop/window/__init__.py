"""The shell: the main window, its action table, the welcome page, the contracts table's model and the
needs-attention panel."""
