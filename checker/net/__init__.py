"""Network plumbing shared by every client: bounded HTTP, host limits, address checks."""
