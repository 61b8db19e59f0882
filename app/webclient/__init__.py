"""The web client at /app/: static HTML, CSS and JavaScript modules, no build step."""
