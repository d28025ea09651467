"""Discovery: find personal information (201 CMR 17.02) in files, archives and mail.

17.03(2)(b) and the draft's 17.03(3)8 need to know which records and media hold PI.
"""

__all__: list[str] = []
