"""Sign-in: the /auth routes, OIDC, identity, sessions, the sign-in state cookie and CloudFront
signed cookies."""
