"""Reports: the SafeLives quarterly data return and statistics."""
