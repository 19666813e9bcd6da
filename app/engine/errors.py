"""The engine's one error for a value that does not fit: it names the field at fault, in the
terms of a configuration (`layers`, `activations`, `params[0].W`, `dataset.Y`), so that the web
side answers it with a 422 naming that field, and checks nothing twice."""


class ConfigError(ValueError):
    """`message` about `field`; `location` is where the field came from ("body", or "query"
    for an index such as `sample` or `layer`)."""

    def __init__(self, field, message, location="body"):
        super().__init__(message)
        self.field = field
        self.location = location
