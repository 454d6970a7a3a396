"""Information-sharing protocol register and the confidentiality statement."""
