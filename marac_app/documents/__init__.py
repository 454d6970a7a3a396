"""Documents: HTML to tagged PDF with a fetcher that never leaves the app's static files, and
per-recipient stamping. Below minutes and distribution; knows nothing of either."""
