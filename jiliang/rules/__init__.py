"""The metrology rules as plain functions over plain data.

Nothing in this package imports Django: it reads like the standards it
implements and is tested in milliseconds. Each table it uses lives in a data
file that names its source.
"""


class RuleError(ValueError):
    """Input a rule cannot judge.

    ``code`` is stable and machine-readable; ``params`` fill the message. The
    apps translate ``code`` into the user's language; ``str()`` gives an
    English message for scripts and logs.
    """

    def __init__(self, code: str, message: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(message.format(**params) if params else message)
