"""Identity and access: passwords, MFA, lockout, sessions, tokens and roles.

17.04(1) (secure user authentication protocols) and 17.04(2) (secure access control measures).
"""

__all__: list[str] = []
