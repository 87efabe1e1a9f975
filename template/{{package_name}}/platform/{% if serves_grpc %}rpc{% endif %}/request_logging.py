"""One log line per refused call, without a traceback.

DSG logs every call that ends in a client error (NOT_FOUND, INVALID_ARGUMENT,
PERMISSION_DENIED, ...) at WARNING with the exception's whole traceback: about
4 KB per bad request, so a client sending bad requests floods the log and hides
the server errors. As Django does for HTTP 4xx, a client error here becomes one
line naming the call and the reason; errors (status 500 and up) keep theirs.
"""

import logging


class ClientErrorsInOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if record.levelno < logging.ERROR and error is not None:
            record.msg = f"{record.getMessage()}: {error}"
            record.args = ()
            record.exc_info = None
            record.exc_text = None
        return True
