"""The field types every request schema shares: finite numbers, rows of them checked a row at a
time, lists checked an item at a time, and Strict models (no unknown keys, no coercion)."""
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, WrapValidator, model_validator
from pydantic_core import PydanticCustomError

from ..engine import ACTIVATIONS
from ..limits import MAX_POINTS, MAX_UNITS

ActivationName = Literal[tuple(ACTIVATIONS)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
Units = Annotated[int, Field(ge=1, le=MAX_UNITS)]
Row = Annotated[list[FiniteFloat], Field(min_length=1, max_length=MAX_UNITS)]
MAX_UNKNOWN_NAMED = 5        # unknown keys named in the one error about them
_ROW = TypeAdapter(Row, config=ConfigDict(strict=True))


def first_bad_row(value, handler):
    """Check a list of rows one row at a time; at the first bad row, the usual errors of the rows
    up to it (so at most one row's worth), instead of an error for every bad entry."""
    if isinstance(value, list):
        for r, row in enumerate(value):
            try:
                _ROW.validate_python(row)
            except ValidationError:
                return handler(value[:r + 1])
            if r >= MAX_POINTS:                 # too many rows: the usual too_long error
                break
    return handler(value)


Rows = WrapValidator(first_bad_row)


def first_bad_item(item_type):
    """A list checked one item at a time: at the first bad item, the usual error of the items
    up to it (one error, not one for every bad item of a long list)."""
    item = TypeAdapter(item_type, config=ConfigDict(strict=True))

    def check(value, handler):
        if isinstance(value, list):
            for n, entry in enumerate(value):
                try:
                    item.validate_python(entry)
                except ValidationError:
                    return handler(value[:n + 1])
        return handler(value)
    return WrapValidator(check)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    @model_validator(mode="wrap")
    @classmethod
    def unknown_keys_once(cls, data, handler):
        """Past a few unknown keys (each of which gets its error, naming it), one error for all of
        them, naming the first few: not 150,000 errors for 150,000 keys."""
        fields = cls.model_fields
        if isinstance(data, dict) and len(data) > len(fields) + MAX_UNKNOWN_NAMED:
            unknown = [key for key in data if key not in fields]
            if len(unknown) > MAX_UNKNOWN_NAMED:
                named = ", ".join(repr(str(k)[:40]) for k in unknown[:MAX_UNKNOWN_NAMED])
                more = f" and {len(unknown) - MAX_UNKNOWN_NAMED} more" if len(unknown) > MAX_UNKNOWN_NAMED else ""
                raise PydanticCustomError("extra_forbidden", "unknown field {named}{more}; the fields are: {known}",
                                          {"named": named, "more": more, "known": ", ".join(fields)})
        return handler(data)
