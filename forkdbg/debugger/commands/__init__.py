"""Every command module registers its commands on import."""

from . import (breakpoints, checkpoint, data, extras, inferiors, info, running,  # noqa: F401
               source, support, symbols)
