"""Authentication (who are you?) and authorization (what may you do?).

Every file, in reading order:

- tokens.py              makes and verifies access and refresh tokens: claims, and a
                         cache of verified tokens.
- signing.py             the key ring: which key signs (HS256 secret or EdDSA key), which
                         keys verify (by `kid`), iss and aud, the published JWKS.
- authentication.py      turns the Authorization header (or the session cookie) into a
                         Principal, or a 401; reads only.
- clients.py             services, not users: a resource server's HTTP Basic client
                         credentials (INTROSPECTION_CLIENTS), for POST /auth/introspect.
- cookies.py             the cookie transport for browsers: the cookies, the CSRF check.
- session_state.py       what authentication reads about the token's session and user.
- session_cache.py       the Redis side of that read: keys, scripts, lookup and fill.
- sessions.py            one row per login: start, rotate the refresh token (where reuse is
                         recognised), revoke, prune.
- cache_invalidation.py  tells Redis what sessions.py changed: tombstones, forgotten users.
- cache_retry.py         retries in the background the cache writes Redis did not take.
- authorization.py       the policy every route declares: public, authenticated,
                         roles_required (optionally demanding a one-time pin session),
                         refresh_token_required, client_required.
- route_policies.py      reads the declared policies back: the start-up check, docs/roles.md.
- second_factor.py       one-time pins as other features see them: is it on, check a pin or
                         recovery code (verify_second_factor), turn it off.
- totp.py                TOTP secrets (encrypted at rest) and pins, each accepted once.
- recovery_codes.py      ten single-use codes, stored as SHA-256 digests.
- mfa_challenges.py      the second step of a login: the mfa_token and its row.
- object_rules.py        may the caller touch THIS object? The scopes every query of an
                         owned table (outfits) goes through: 404 for rows they may not see.
- rate_limits.py         which setting limits each route that guesses at a secret, and whose
                         budget it spends (per address, per user, the shared login scope).
- pin_throttle.py        wrong pins per account, one budget for every door that takes a pin.
"""
