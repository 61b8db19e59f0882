"""Accounts and sessions of the caller: register, log in, refresh, log out, change password."""
