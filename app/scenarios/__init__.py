"""Scenarios: lesson links, the shipped and the teacher's presets, and session files."""
