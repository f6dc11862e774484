"""The WeChat server endpoint (/wechat), and the simulator page (/dev/wechat) when WECHAT_SIMULATOR=1."""
import os

from bot import understand
from nlp.intents import IntentTablesError
from web.wechat.endpoint import bp


def init_app(app):
    app.register_blueprint(bp)
    # Load the chat's intent model now, not inside a resident's first 5-second reply; a server without its
    # tables does not start. A `flask` command goes on without them, with a warning: `flask nlp
    # install-default` is the one that builds them.
    try:
        understand.warm()
    except IntentTablesError as error:
        if os.environ.get("FLASK_RUN_FROM_CLI") != "true":
            raise
        app.logger.warning("%s", error)
    if app.config["WECHAT_SIMULATOR"]:
        from web.wechat.simulator import bp as simulator

        app.register_blueprint(simulator)
