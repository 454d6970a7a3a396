"""Opening a meeting: the confidentiality statement, attendance and acknowledgements."""
