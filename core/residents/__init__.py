"""Residents reach the platform: WeChat bindings, one-time sign-in links, and pushes (template messages).

Public to other features: `models`, `pushes` (queue a push, find who is bound where).
"""
