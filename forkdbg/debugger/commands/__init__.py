"""Every command module registers its commands on import."""

from . import (breakpoints, checkpoint, data, extras, info, inferiors, running,  # noqa: F401
               source, support)
