"""Real protocol servers on loopback for tests and benchmarks (never mocks of our code)."""
