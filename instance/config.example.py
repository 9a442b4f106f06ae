# Copy to instance/config.py (make creates one with a random SECRET_KEY) and adjust.
# Environment variables override this file: SECRET_KEY, DATABASE_URL, REDIS_URL, FLASK_*.

SECRET_KEY = "replace-with-a-long-random-value"
# PostgreSQL in production (psycopg 3): postgresql://user@host:5432/dbname
# SQLALCHEMY_DATABASE_URI = "postgresql://postgres@127.0.0.1:5432/survey"
# Days a "save and come back later" code works.
RESUME_CODE_DAYS = 30
# Where "Exit this page" sends people.
EXIT_URL = "https://www.bbc.co.uk/weather"
