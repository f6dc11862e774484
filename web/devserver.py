"""`flask dev-server`: the demo's one command (`make run`) — the development server and, beside it, the one
scheduler process that closes votes, sends pushes and runs everything else that is due.

The scheduler is a child process (`flask scheduler run`, as in production); it is stopped when the
server stops, however that happens: Ctrl-C, SIGTERM, or (on Linux) the server dying outright.
"""
import signal
import subprocess
import sys
import threading

import click
from flask import current_app
from werkzeug.serving import run_simple

from web.access_log import RedactingRequestHandler

_stopping = threading.Event()


def _die_with_parent() -> None:
    """In the child: get SIGTERM when the server's process goes, even by SIGKILL (Linux prctl)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: Ctrl-C and SIGTERM still stop it below
        pass


def _watch(child: subprocess.Popen) -> None:
    """Say so when the scheduler dies on its own: pushes and closing votes then wait until a restart."""
    code = child.wait()
    if not _stopping.is_set():
        click.secho(f"The scheduler stopped by itself (exit {code}): pushes are not sent and votes do not "
                    "close until you restart.", fg="red", err=True)


def _stop(child: subprocess.Popen) -> None:
    _stopping.set()
    if child.poll() is None:
        child.terminate()
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


@click.command("dev-server")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
def dev_server(host, port):
    """Serve the app for development with one scheduler process beside it (stopped with the server)."""
    app = current_app._get_current_object()
    # A session of its own: Ctrl-C reaches the server only, which then stops the scheduler (and so can tell
    # that stop from the scheduler dying by itself).
    child = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "run"],
                             start_new_session=True,
                             preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
    click.echo(f"Scheduler started (pid {child.pid}); it stops with the server.", err=True)
    threading.Thread(target=_watch, args=(child,), daemon=True).start()
    # SIGTERM ends the server like Ctrl-C, so that the scheduler is stopped on the way out.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        # Werkzeug's server directly: Flask's app.run() does nothing under the flask command.
        run_simple(host, port, app, use_reloader=False, threaded=True, request_handler=RedactingRequestHandler)
    finally:
        _stop(child)
        click.echo("Scheduler stopped.", err=True)
