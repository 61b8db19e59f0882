"""Settings every test app starts with (tests/conftest.py); a test changes them through its
`app_overrides` fixture."""

TEST_SECRETS = {
    "SECRET_KEY": "test-secret-key-0123456789abcdef-0123456789",
    "JWT_SECRET_KEY": "test-jwt-secret-key-0123456789abcdef-012345",
}
# No test trips a rate limit by accident: the tests about limits set tight ones themselves.
GENEROUS_LIMITS = {
    "LOGIN_RATE_LIMIT": "100000 per minute",
    "REGISTER_RATE_LIMIT": "100000 per minute",
    "LOGIN_ACCOUNT_RATE_LIMIT": "100000 per minute",
    "PASSWORD_CHANGE_RATE_LIMIT": "100000 per minute",
    "PASSWORD_RESET_RATE_LIMIT": "100000 per minute",
}
