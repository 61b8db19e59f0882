"""One-time pins (TOTP): enrolment, the second step of a login, recovery codes."""
