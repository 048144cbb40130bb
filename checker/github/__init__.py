"""GitHub integration: the Action, issues, organisation scans."""
