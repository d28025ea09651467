"""One exception tree for wisp; every error a user can see is one of these.

    WispError                  anything wisp reports to a user as one line
    ├── ConfigError            a setting or config file is wrong
    ├── KeyMaterialError       a key is missing, unreadable or has unsafe permissions
    └── ExtractError           a file could not be read as its format
        ├── EncryptedContent   the content is encrypted; not an error in a scan report
        └── LimitExceeded      an archive or document broke a safety limit (zip bomb, depth)

Messages never carry personal information: they name the file and what was wrong with it.
"""

__all__ = [
    "ConfigError",
    "EncryptedContent",
    "ExtractError",
    "KeyMaterialError",
    "LimitExceeded",
    "WispError",
]


class WispError(Exception):
    """An error wisp reports to its user as one clear line."""


class ConfigError(WispError):
    """A setting or configuration file is invalid."""


class KeyMaterialError(WispError):
    """A key is missing, unreadable, or stored unsafely."""


class ExtractError(WispError):
    """A file could not be read as the format it claims to be."""


class EncryptedContent(ExtractError):
    """The content is encrypted and cannot be read without its key."""


class LimitExceeded(ExtractError):
    """A safety limit (archive depth, member count, expansion ratio, size) was exceeded."""
