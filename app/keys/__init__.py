"""Public signing keys: GET /.well-known/jwks.json (routes.py) and `flask keys generate`
(commands.py). The key ring itself is app/security/signing.py."""
