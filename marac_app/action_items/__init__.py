"""Actions agreed at MARAC, owned by agencies, and their status."""
