"""The limit on failed authentications that the limit's tests start servers
with (platform/access/failures.py): low and short, so a test reaches it and
sees it lapse in seconds."""

ALLOWED = 3
WINDOW_SECONDS = 4
LIMITS = {
    "API_AUTH_FAILURES_ALLOWED": str(ALLOWED),
    "API_AUTH_FAILURE_WINDOW_SECONDS": str(WINDOW_SECONDS),
}
