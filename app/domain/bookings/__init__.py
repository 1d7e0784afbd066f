"""Candidates booking a whole interview panel through a link, and the holds kept meanwhile."""
