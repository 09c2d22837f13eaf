"""Every command module registers its commands on import."""

from . import (  # noqa: F401
               breakpoints,
               checkpoint,
               data,
               extras,
               frameinfo,
               framepop,
               inferiors,
               info,
               printf,
               running,
               search,
               source,
               support,
               symbols,
               tui,
)
