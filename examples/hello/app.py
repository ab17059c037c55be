"""Entry file: `flask run`, `python app.py` and `failsafe-flask run` all find `app` here."""

from hello import create_app

app = create_app()

if __name__ == "__main__":
    app.run(debug=True)
