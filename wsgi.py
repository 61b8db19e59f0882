"""The WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`.

A setting that is not allowed ends the process with one line on stderr and exit code 1
(config.ConfigError), never a traceback: for every `flask` command alike.
"""

import sys

from app import create_app
from config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    sys.exit(f"Error: {error}")
