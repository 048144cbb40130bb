"""Asking the authorities about a domain: RDAP, WHOIS, DNS, and a cache of what they said."""
