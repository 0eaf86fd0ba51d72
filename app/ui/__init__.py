"""The terminal user interface: the only code that prints."""
