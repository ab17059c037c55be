"""The app process, run in the user's interpreter: ``python -m failsafe_flask.child``.

Imports only the standard library, Flask, Werkzeug and ``failsafe_flask.protocol``.
"""
