"""The workers' and street office's console."""
from web.console import bindings, complaints, overview, renovation, training, votes  # noqa: F401  (their pages)
from web.console.routes import bp


def init_app(app):
    app.register_blueprint(bp)
