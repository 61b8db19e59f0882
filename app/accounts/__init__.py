"""Accounts people keep themselves: email verification, password reset, self-service."""
