"""gdb's internal (convenience) functions: `$_gdb_setting_str("NAME")` and
`$_gdb_setting("NAME")`, the values of settings as expressions see them, and
`$_isvoid(EXPR)`, whether a value is void (a void function's call)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import settings
from .expr import INT, Value, string_value
from .registry import CommandError

if TYPE_CHECKING:
    from .session import Session


def internal_function(s: "Session", name: str, args: list[Value]) -> Value:
    """The value of `$NAME(ARGS)`."""
    if name == "_isvoid":
        if len(args) != 1:
            raise CommandError("You must provide one argument for $_isvoid.")
        t = args[0].t
        return Value(int(t.name == "void" and not t.is_pointer), INT)
    if name not in ("_gdb_setting", "_gdb_setting_str") or len(args) != 1 \
            or args[0].raw is None:
        raise CommandError(f"You must provide an argument to ${name}")
    text = args[0].raw.rstrip(b"\0").decode(errors="replace")
    if text == "args":
        value: int | str = " ".join(s.args)
    else:
        key, _n = settings.resolve(text.split(), list(s.settings))
        value = settings.setting_value(key, s.settings[key], name.endswith("_str"))
    return Value(value, INT) if isinstance(value, int) else string_value(value)
