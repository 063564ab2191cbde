"""Staff sign-in: password, then a TOTP code (or a recovery code); enrolment of a new
authenticator; sign-out and password change. Mounted at /staff/account/ (namespace
``account``)."""
