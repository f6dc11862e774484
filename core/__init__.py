"""The domain shared by the WeChat bot and the web pages: no Flask request or session here."""
