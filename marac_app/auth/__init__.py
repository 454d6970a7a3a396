"""Users, sign-in, sessions and passwords."""
