"""The registrar follow-up that cannot fail open, shared by RDAP and WHOIS.

A thin registry answer may leave the expiry to the registrar (an RDAP ``related`` link, a
WHOIS ``Registrar WHOIS Server:`` referral). When that answer cannot be had, the
registration says why in ``registrar_failure``, which the verdict turns into
``registrar-unavailable`` (risk ``unknown``) unless the registry's answer shows a risk.
"""

from __future__ import annotations

from dataclasses import replace

from checker.model import Registration


def registrar_unavailable(registry: Registration, service: str, why: str) -> Registration:
    """``registry`` noting ``why`` the registrar ``service`` could not be had; when the
    registry left the expiry to the registrar, that is a failure the verdict must show."""
    noted = replace(registry, notes=(*registry.notes, why))
    if registry.expires is not None:
        return noted  # the registry's own expiry stands
    return replace(
        noted,
        registrar_failure=(
            f"the registry's answer ({registry.url}) has no expiry date and names the "
            f"registrar's service for it ({service[:200]}), which could not be had: {why}"
        ),
    )
