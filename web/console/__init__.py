"""The workers' and street office's console."""
# Importing the modules registers their pages on the blueprint.
from web.console import (bindings, complaints, open311_keys, overview, register_admin, renovation,  # noqa: F401
                         training, votes)
from web.console.routes import bp


def init_app(app):
    app.register_blueprint(bp)
