"""Where addresses come from: project files, built distributions, installed metadata."""
