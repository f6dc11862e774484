"""gunicorn's access log without secrets: no query strings (WeChat's signature, timestamp and nonce, OAuth
codes), and sign-in link tokens cut from paths. Plaintext mode signs only the query string: a log that
kept it would let its readers replay messages within the clock window.

`make serve-prod` runs gunicorn with `--logger-class web.access_log.RedactingLogger`; `make run`'s development
server logs through RedactingRequestHandler, the same way.
"""
import re

from gunicorn.glogging import Logger
from werkzeug.serving import WSGIRequestHandler

SECRET_PATHS = re.compile(r"(/r/login/)[^/?#\s\"]+")


def redact(path: str) -> str:
    return SECRET_PATHS.sub(r"\1…", path or "")


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact(environ.get("PATH_INFO", ""))
        atoms["r"] = f"{environ.get('REQUEST_METHOD')} {path} {environ.get('SERVER_PROTOCOL')}"
        atoms["U"] = path
        atoms["q"] = ""
        atoms["f"] = redact(atoms.get("f", "-").split("?", 1)[0])
        for name in [k for k in atoms if k.startswith("{") and k.endswith("}e")]:
            atoms.pop(name)  # environ variables: QUERY_STRING, RAW_URI, …
        return atoms


class RedactingRequestHandler(WSGIRequestHandler):
    """Werkzeug's request log line without the query string (Open311 keys, WeChat's signature) or link tokens."""

    def log_request(self, code="-", size="-"):
        path = redact(self.path.split("?", 1)[0])
        self.log("info", '"%s %s %s" %s %s', self.command, path, self.request_version, code, size)
