"""Failsafe Flask: a Flask development server that never dies.

Kept free of imports: the app process imports ``failsafe_flask.child`` inside the
user's interpreter, where only the standard library, Flask and Werkzeug may load.
"""

__version__ = "0.1.0"
