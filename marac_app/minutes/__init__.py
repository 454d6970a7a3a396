"""Live minutes: entries that keep fact and professional opinion apart, risk summaries, approval."""
