"""The contract page and one file per tab, each on the `ContractTab` base. A tab imports the base, never
the page."""
