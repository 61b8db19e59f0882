"""Who the users are: the User and AuthSession models, and password hashing.

This package sits below `app.security` so that authentication can load users and sessions
without importing any feature package.
"""
