"""One exception tree for wisp; every error a user can see is one of these.

    WispError                  anything wisp reports to a user as one line
    ├── ConfigError            a setting or config file is wrong
    ├── KeyMaterialError       a key is missing, unreadable or has unsafe permissions
    │   ├── UnknownKeyVersion  the key provider holds no key of that version
    │   ├── WrongPassphrase    the passphrase does not open the keyring (or the file was altered)
    │   └── ReadOnlyKeys       the provider cannot create a key version; rotate it at its source
    ├── DecryptionError        a ciphertext failed to authenticate: wrong key, wrong place, tampered
    │   └── Shredded           the record's data key was destroyed; its fields are gone for good
    ├── PasswordRejected       a new password breaks the policy: the reasons, never the password
    ├── CorruptCredential      a stored password hash, MFA secret or code hash is malformed
    ├── AuthError              a sign-in, session or token was refused
    │   ├── SignInFailed       wrong name, password or code, locked, disabled: one message
    │   ├── Throttled          this source must wait before its next attempt
    │   └── SessionInvalid     the session or token is unknown, expired, revoked, or its user is off
    ├── PermissionDenied       the principal may not do this (deny by default)
    │   ├── UnknownRole        a role name no registry defines: denied, loudly
    │   └── UnknownPermission  a permission name wisp does not define: denied, loudly
    ├── NotFound               no such user, role, collection, record or alert
    ├── Conflict               it exists already, or it changed since it was read
    ├── InvalidInput           a request or file is malformed: what was wrong, never the value
    ├── MailError              an alert could not be handed to the SMTP server
    ├── StorageError           the database cannot be reached, or its schema is not wisp's
    ├── AuditError             the audit log cannot be written or trusted
    │   ├── UnsafeAuditField   an audit field is not an id, enum, count or masked value
    │   └── AuditTampered      the chain or its signed checkpoints do not verify
    └── ExtractError           a file could not be read as its format
        ├── EncryptedContent   the content is encrypted; not an error in a scan report
        └── LimitExceeded      an archive or document broke a safety limit (zip bomb, depth)

Messages never carry personal information: they name the file and what was wrong with it.
"""

__all__ = [
    "AuditError",
    "AuditTampered",
    "AuthError",
    "ConfigError",
    "Conflict",
    "CorruptCredential",
    "DecryptionError",
    "EncryptedContent",
    "ExtractError",
    "InvalidInput",
    "KeyMaterialError",
    "LimitExceeded",
    "MailError",
    "NotFound",
    "PasswordRejected",
    "PermissionDenied",
    "ReadOnlyKeys",
    "SessionInvalid",
    "Shredded",
    "SignInFailed",
    "StorageError",
    "Throttled",
    "UnknownKeyVersion",
    "UnknownPermission",
    "UnknownRole",
    "UnsafeAuditField",
    "WispError",
    "WrongPassphrase",
]


class WispError(Exception):
    """An error wisp reports to its user as one clear line."""


class ConfigError(WispError):
    """A setting or configuration file is invalid."""


class KeyMaterialError(WispError):
    """A key is missing, unreadable, or stored unsafely."""


class UnknownKeyVersion(KeyMaterialError):
    """The key provider holds no key of the version a ciphertext names."""


class WrongPassphrase(KeyMaterialError):
    """The passphrase does not open the keyring, or the keyring file was altered."""


class ReadOnlyKeys(KeyMaterialError):
    """The key provider cannot create a key version; it must be rotated where it is kept."""


class DecryptionError(WispError):
    """A ciphertext failed to authenticate: wrong key, wrong record or field, or tampered."""


class Shredded(DecryptionError):
    """The record's data key was destroyed (crypto-shredding); its fields cannot be recovered."""


class PasswordRejected(WispError):
    """A new password breaks the password policy; the message lists why, never the password."""


class CorruptCredential(WispError):
    """A stored password hash, MFA secret or recovery-code hash is malformed; sign-in fails."""


class AuthError(WispError):
    """A sign-in, session or API token was refused."""


class SignInFailed(AuthError):
    """The sign-in failed. One message whatever the cause (unknown user, wrong password or code,
    locked or disabled account), so that it tells an attacker nothing about the account."""


class Throttled(AuthError):
    """This source has failed too often and must wait `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SessionInvalid(AuthError):
    """The session or token is unknown, expired or revoked, or its user is disabled."""


class PermissionDenied(WispError):
    """The principal lacks the permission; anything not granted is denied."""


class UnknownRole(PermissionDenied):
    """A role name that no role registry defines; treated as a denial, never ignored."""


class UnknownPermission(PermissionDenied):
    """A permission name that wisp does not define; treated as a denial, never ignored."""


class NotFound(WispError):
    """No such user, role, collection, record or alert (or the caller may not know of it)."""


class Conflict(WispError):
    """It exists already, or it changed since it was read."""


class InvalidInput(WispError):
    """A request, field value or file is malformed; the message names what, never the value."""


class MailError(WispError):
    """An alert could not be handed to the SMTP server; the alert itself is kept."""


class StorageError(WispError):
    """The database cannot be reached, or its schema is not the one this wisp expects."""


class AuditError(WispError):
    """The audit log cannot be written, read or trusted."""


class UnsafeAuditField(AuditError):
    """An audit field is not an id, enum, count or masked value; it might carry PI."""


class AuditTampered(AuditError):
    """The audit chain or its signed checkpoints do not verify: fail closed."""


class ExtractError(WispError):
    """A file could not be read as the format it claims to be."""


class EncryptedContent(ExtractError):
    """The content is encrypted and cannot be read without its key."""


class LimitExceeded(ExtractError):
    """A safety limit (archive depth, member count, expansion ratio, size) was exceeded."""
