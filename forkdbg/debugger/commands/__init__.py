"""Every command module registers its commands on import."""

from . import (  # noqa: F401
               breakpoints,
               checkpoint,
               data,
               extras,
               inferiors,
               printf,
               search,
               info,
               running,
               source,
               support,
               symbols,
)
