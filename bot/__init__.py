"""The WeChat channel: signatures, decryption, handlers and replies."""
