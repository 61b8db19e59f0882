"""The clothes catalogue: anyone signed in reads it, admins write it."""
