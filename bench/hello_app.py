"""The smallest Flask app, served by the same gunicorn config: the benchmarks' yardstick."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    """A plain page with no database, template or session."""
    return "Hello"
