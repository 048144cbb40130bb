"""What each reason code means and what to do about it: the help text reports show.

Shared by the SARIF rules and the Markdown "what to do" section, so the advice reads the
same wherever it is shown. Trusted, static text: it never holds anything from outside.
"""

from __future__ import annotations

from dataclasses import dataclass

from checker.model import ReasonCode, Risk


@dataclass(frozen=True)
class Guidance:
    """Help for one reason code."""

    name: str  # a CamelCase rule name, e.g. ``UnregisteredDomain``
    title: str  # one short sentence
    meaning: str  # what the code says about the domain
    action: str  # what the maintainer should do


_TAKE_BACK = (
    "Change the address in the package metadata (pyproject.toml, setup.cfg, setup.py) and on "
    "the package index account to one at a domain you control, and publish a release so the "
    "published metadata changes too."
)

GUIDANCE: dict[ReasonCode, Guidance] = {
    ReasonCode.UNREGISTERED: Guidance(
        "UnregisteredDomain",
        "The mail domain is not registered: anyone can register it.",
        "The registry answered that it does not hold the name. Whoever registers it receives "
        "the mail sent to these addresses, including password resets from the package index.",
        "Register the domain again now if it is yours, or remove the address. " + _TAKE_BACK,
    ),
    ReasonCode.PENDING_DELETE: Guidance(
        "DomainPendingDelete",
        "The domain is about to be deleted and released for anyone to register.",
        "The registry reports the status pending delete: the name drops within days and can "
        "then be registered by anyone; drop-catching services watch for such names.",
        "The owner cannot renew at this stage at most registries: plan for losing the name. "
        + _TAKE_BACK,
    ),
    ReasonCode.REDEMPTION: Guidance(
        "DomainInRedemption",
        "The registration lapsed and is in its redemption period.",
        "The domain expired and was deleted by the registrar; the last owner can still restore "
        "it for a fee, after which it will be released to the public.",
        "If the domain is yours, restore it through its registrar now. Otherwise: " + _TAKE_BACK,
    ),
    ReasonCode.EXPIRED: Guidance(
        "DomainExpired",
        "The registration's expiry date has passed.",
        "The registry's expiry date is in the past. The name is in a grace period or about to "
        "enter one, after which it can be registered by someone else.",
        "Renew the domain now if it is yours. Otherwise: " + _TAKE_BACK,
    ),
    ReasonCode.AUTO_RENEW_GRACE: Guidance(
        "DomainInAutoRenewGrace",
        "The domain is in its auto-renew grace period.",
        "The registry renewed the name automatically, but the registrar can still delete it if "
        "the owner does not pay; it is one step from being released.",
        "Pay the renewal at the registrar if the domain is yours. Otherwise: " + _TAKE_BACK,
    ),
    ReasonCode.ON_HOLD: Guidance(
        "DomainOnHold",
        "The domain is on hold and does not resolve.",
        "A client or server hold takes the name out of DNS, so mail to it cannot be delivered; "
        "holds often precede deletion for non-payment or abuse.",
        "Ask the registrar why the domain is on hold and clear it. If you cannot: " + _TAKE_BACK,
    ),
    ReasonCode.RE_REGISTERED: Guidance(
        "DomainReRegistered",
        "The domain was registered again after the address was last in use.",
        "The registration is newer than the last time the address is known to have been used, "
        "so the name may now belong to someone else.",
        "Check who holds the domain now. If it is not the maintainer: " + _TAKE_BACK,
    ),
    ReasonCode.EXPIRING_SOON: Guidance(
        "DomainExpiringSoon",
        "The registration expires soon.",
        "The registry's expiry date is within the expiry window (--expiry-window).",
        "Renew the domain, or turn on auto-renewal at the registrar. If the domain is no longer "
        "wanted: " + _TAKE_BACK,
    ),
    ReasonCode.PARKED: Guidance(
        "DomainParked",
        "The domain's nameservers are at a parking or aftermarket service.",
        "Parked names are often for sale or already sold: the holder may not be the maintainer.",
        "Check who holds the domain. If it is not the maintainer: " + _TAKE_BACK,
    ),
    ReasonCode.INACTIVE: Guidance(
        "DomainInactive",
        "The domain is registered but not delegated in DNS.",
        "Without nameservers the domain does not resolve, so mail to it cannot be delivered; "
        "this often means it is no longer maintained.",
        "Restore the domain's nameservers, or replace the address. " + _TAKE_BACK,
    ),
    ReasonCode.REGISTRY_RESERVED: Guidance(
        "DomainReservedByRegistry",
        "The registry holds the mail domain back: nobody holds it, and it may be released.",
        "The registry answered that the name is not registered to anyone but reserved, blocked "
        "or not open. Registries release reserved names; whoever registers it then receives "
        "the mail sent to these addresses, including password resets.",
        "Replace the address with one at a domain you hold. " + _TAKE_BACK,
    ),
    ReasonCode.NO_MAIL_ROUTE: Guidance(
        "NoMailRoute",
        "Mail to the address cannot be delivered.",
        "The mail domain has no MX record and no address record, so nobody receives the mail "
        "sent to it, and a lapse would go unnoticed.",
        "Add MX records for the domain, or replace the address with one that receives mail.",
    ),
    ReasonCode.NAMESERVER_AT_RISK: Guidance(
        "NameserverDomainAtRisk",
        "A nameserver of the domain is under a domain that is itself at risk.",
        "Whoever controls the nameserver's domain answers for this domain: if that domain "
        "lapses and is registered by someone else, they can publish an MX record and receive "
        "the password-reset mail. The risk is that of the nameserver's domain.",
        "Move the domain to nameservers under a domain you control or at a large DNS "
        "provider, or get the nameserver's operator to renew their domain. If neither is "
        "possible: " + _TAKE_BACK,
    ),
    ReasonCode.MAIL_HOST_AT_RISK: Guidance(
        "MailHostDomainAtRisk",
        "A mail server of the domain is under a domain that is itself at risk.",
        "Mail for the address goes to a host (an MX, or the target of an MX that is a CNAME) "
        "whose domain is at risk: whoever registers that domain receives the mail. The risk "
        "is that of the mail host's domain.",
        "Point the MX records at mail servers you control or at a large mail provider, or get "
        "the mail host's operator to renew their domain. If neither is possible: " + _TAKE_BACK,
    ),
    ReasonCode.LAME_DELEGATION: Guidance(
        "LameDelegation",
        "Nameservers of the domain do not serve its zone (a lame delegation).",
        "Asked directly for the zone's SOA, the delegated nameservers answered REFUSED, "
        "SERVFAIL, NXDOMAIN or without authority. At a DNS provider that lets anyone create "
        'a zone without proving ownership (the 2024 "Sitting Ducks" attack), anyone can '
        "claim the zone there and answer for the domain, mail included: that is critical. "
        "All nameservers lame is high, some of them medium.",
        "Create the zone again at the DNS provider, or change the delegation at the registrar "
        "to nameservers that serve the zone. Remove nameservers you no longer use.",
    ),
    ReasonCode.CHANGED_HANDS: Guidance(
        "DomainChangedHands",
        "The domain's registration changed since the last run in a way that suggests a new holder.",
        "Compared with the evidence kept from the previous run: a new registration date means "
        "the name was deleted and registered again (critical); a new registrar together with "
        "new nameservers is what a sale or a drop-catch looks like from outside (high).",
        "Check who holds the domain now. If the change was yours (a transfer and a move of "
        "DNS), nothing is to be done. If it was not the maintainer: " + _TAKE_BACK,
    ),
    ReasonCode.LOOKUP_FAILED: Guidance(
        "LookupFailed",
        "The registration could not be checked.",
        "No authoritative, parsed answer was had (a timeout, an error status, a rate limit or a "
        "malformed answer), so the domain's state is unknown: it may be anything up to "
        "unregistered.",
        "Run the check again later, or check the domain by hand with the registry's RDAP or "
        "WHOIS service. Fail the build on it with --fail-on-unknown.",
    ),
    ReasonCode.UNSUPPORTED_TLD: Guidance(
        "UnsupportedTld",
        "No registration service is known for the domain's top-level domain.",
        "The TLD has no RDAP service in the IANA bootstrap and no known WHOIS server, so the "
        "domain's state is unknown.",
        "Check the domain by hand at the TLD's registry, or pass --whois-server TLD=HOST.",
    ),
    ReasonCode.REGISTRAR_UNAVAILABLE: Guidance(
        "RegistrarAnswerUnavailable",
        "The registrar's answer, which the verdict needs, could not be had.",
        "The registry's answer lacks a fact the verdict depends on (such as the expiry date) "
        "and points at the registrar's service for it, but that service did not answer, "
        "answered unusably, or could not be asked safely; so the domain's state is unknown "
        "unless the registry's answer already shows a risk.",
        "Run the check again later, or look the domain up at its registrar. Fail the build on "
        "it with --fail-on-unknown.",
    ),
    ReasonCode.OFFLINE: Guidance(
        "NotCheckedOffline",
        "The domain was not checked: the run was offline.",
        "--offline forbids network lookups and nothing was cached for the domain, so its state "
        "is unknown.",
        "Run domain-guard without --offline to check it.",
    ),
    ReasonCode.UNRECOGNISED_STATUS: Guidance(
        "UnrecognisedStatus",
        "The registry reports a status word domain-guard does not know.",
        "The registry's answer carries a status that is not in domain-guard's lifecycle table "
        "(checker/data/lifecycle.json), so it could mean anything from healthy to being "
        "deleted; the message names the word.",
        "Check the word in the registry's documentation and the domain by hand; report the "
        "word so it can be added to the table.",
    ),
    ReasonCode.NO_EXPIRY_PUBLISHED: Guidance(
        "NoExpiryPublished",
        "The registry publishes no expiry date for the domain.",
        "The registration was read and shows no risk, but the registry's answer has no expiry "
        "date, so an approaching expiry cannot be seen in advance; the lapse will show once "
        "the registry changes the status.",
        "Nothing to do now. Keep the domain on automatic renewal, and check its expiry at the "
        "registrar.",
    ),
}

#: SARIF ``security-severity`` per risk (GitHub's CVSS-like scale).
SECURITY_SEVERITY: dict[Risk, str] = {
    Risk.CRITICAL: "9.5",
    Risk.HIGH: "8.0",
    Risk.MEDIUM: "5.5",
    Risk.LOW: "3.0",
}


def guidance(code: ReasonCode) -> Guidance:
    """The help for ``code``."""
    return GUIDANCE[code]
