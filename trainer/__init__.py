"""Call-center role-play trainer: scripted customers, coached calls."""

__version__ = "0.1.0"
