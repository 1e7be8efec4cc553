"""pocketcrm: the digital box of index cards."""

__version__ = "0.1.0"
