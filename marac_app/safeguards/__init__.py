"""Safe addresses and flags (issue 15): actions needing the victim's address, address alerts,
address-change notices and each agency's 12-month flag register."""
