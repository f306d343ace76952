"""Datasets leaving clipcrowd as files (pool results, Kinetics-style clips, camera labels), streamed."""
