"""Background jobs: slow work (rendering minutes, sending emails) off the request.

RQ on Redis in production; in-process (a thread) in the embedded default; inline in tests.
"""
