"""The schema library Home Assistant validates with.

Home Assistant 2026.10 validates with probatio and serves it under the
``voluptuous`` name at run time; 2026.2 has voluptuous itself. Importing it from
here gives the running release's library, typed as that release types it.
"""

try:
    import probatio as vol  # type: ignore[import-not-found, unused-ignore]
except ImportError:  # Home Assistant before probatio (2026.2 and the like)
    import voluptuous as vol  # type: ignore[no-redef, unused-ignore]

__all__ = ["vol"]
