"""Scheduled work of the WeChat channel (run by the one scheduler process, beside core.jobs)."""
from bot.client import make_client
from bot.photos import fetch_due
from bot.pushes import send_due

SCHEDULE = (
    ("wechat.send_pushes", "bot.jobs:send_pushes", 10),
    ("wechat.fetch_photos", "bot.jobs:fetch_photos", 30),
)


def send_pushes(config) -> dict | None:
    """Send due template messages; does nothing until the official account is configured."""
    if not (config["WECHAT_APP_ID"] and config["WECHAT_APP_SECRET"]):
        return None
    return send_due(make_client(config), config)


def fetch_photos(config) -> dict | None:
    """Download the photos residents sent in the chat into their tickets."""
    if not (config["WECHAT_APP_ID"] and config["WECHAT_APP_SECRET"]):
        return None
    return fetch_due(make_client(config))
