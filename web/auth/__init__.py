"""Staff sign-in and sign-out."""
from web.auth.routes import bp


def init_app(app):
    app.register_blueprint(bp)
