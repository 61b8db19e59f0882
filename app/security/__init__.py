"""Authentication (who are you?) and authorization (what may you do?).

- tokens.py          makes and reads JWTs: signature, algorithm, claims.
- sessions.py        one row per login: start, rotate the refresh token, revoke.
- authentication.py  turns the Authorization header into a Principal, or a 401.
- authorization.py   the policy every route declares: public, authenticated, roles_required.
"""
