"""What the tests share, apart from fixtures (tests/conftest.py holds those, and only those).

data.py          PASSWORD of every made user, the one ITEM payload
outfits.py       the OUTFIT payload, create_outfit() through the API
settings.py      TEST_SECRETS and the generous rate limits every test app starts with
http.py          bearer(), assert_problem(), and calls that probe a held token pair
tokens.py        forge() a token, read claims_of() one
signing.py       Ed25519 key files for EdDSA apps: new_key(), eddsa_settings()
database.py      count the SQL statements of a block, snapshot() the rows
paths.py         ROOT of the repository
backends.py      PostgreSQL and Redis for the tests: throwaway databases, private servers
live_server.py   a real gunicorn for the tests that talk HTTP
remote_client.py  a client of a real server, from a loopback address of its own, that the
                 helpers of http.py accept in place of Flask's test client
nginx.py         a private nginx in front of app instances (the scale-out test, bench-scale)
openapi.py       walk an OpenAPI document: operations, references, schemas
problem_recorder.py  a pytest plugin (conftest.py loads it): every problem code the app
                 answers during the run must be in its operation's x-problem-codes
"""
