"""Every command module registers its commands on import."""

from . import breakpoints, data, extras, info, inferiors, running, support  # noqa: F401
