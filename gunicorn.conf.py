"""gunicorn's settings for Yishi (read from the working directory: `gunicorn -w 4 -b … wsgi:app`).

The app is loaded once in the master (`preload_app`): the complaint classifier and the chat's intent
tables are loaded before the workers fork, so the workers share those pages with the master instead of
each loading its own copy. Database connections must not cross the fork
(two processes on one socket corrupt both sessions): the master closes its pool before forking, and
each worker drops whatever pool it inherited and opens its own on first use.
"""
import gc

preload_app = True


def _dispose_engines(server, close: bool) -> None:
    from core.db import db

    app = server.app.wsgi()  # the preloaded app
    if "sqlalchemy" not in getattr(app, "extensions", {}):
        return  # another app served with this file (benchmarks/bare_echo.py)
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=close)


def pre_fork(server, worker):
    _dispose_engines(server, close=True)
    # Objects made before the fork are never freed; keep the collector from touching (and so copying)
    # their pages in every worker.
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    _dispose_engines(server, close=False)  # the master's pool objects: forget them, don't close its sockets

# The access log without secrets: no query strings (WeChat's signature, timestamp and nonce; OAuth codes)
# and no one-time sign-in tokens in paths.
logger_class = "web.access_log.RedactingLogger"
