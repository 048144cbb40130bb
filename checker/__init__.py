"""domain-guard: find maintainer e-mail domains that someone else could register."""

__version__ = "0.1.0"
