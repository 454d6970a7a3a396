// timeout.mjs: filled in by its feature (see app.mjs).
