"""clipcrowd: build video and audio datasets with people in the loop."""

__version__ = "0.1.0"
