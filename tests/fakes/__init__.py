"""Stand-ins for services outside the machine, as real servers on loopback."""
