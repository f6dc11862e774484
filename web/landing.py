"""The front page (/): what the platform is and where each kind of user signs in; in the demo, the demo logins."""
from flask import Blueprint, abort, current_app, redirect, render_template, url_for

from core import demo
from core.db import db
from core.residents.links import issue_link

bp = Blueprint("landing", __name__)


def _demo_mode() -> bool:
    # The demo is the simulator's machine (`make run`): a real account never runs with WECHAT_SIMULATOR=1.
    return bool(current_app.config["WECHAT_SIMULATOR"])


@bp.get("/")
def index():
    seeded = _demo_mode() and demo.is_seeded()
    return render_template("landing.html", demo_mode=_demo_mode(), seeded=seeded,
                           logins=demo.LOGINS if seeded else ())


@bp.post("/demo/resident")
def demo_resident():
    """In the demo only: a one-time sign-in link for the demo resident, followed at once."""
    if not (_demo_mode() and demo.is_seeded()):
        abort(404)
    token = issue_link(demo.demo_resident())
    db.session.commit()
    return redirect(url_for("resident.login_link", token=token))


def init_app(app):
    app.register_blueprint(bp)
