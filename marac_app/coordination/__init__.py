"""Co-ordinated cases: not heard at the table (issue 14)."""
