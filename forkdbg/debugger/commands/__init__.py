"""Every command module registers its commands on import."""

from . import breakpoints, checkpoint, data, extras, inferiors, info, running, source, support  # noqa: F401
