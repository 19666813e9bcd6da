"""Layer kinds, each with its forward and backward side by side."""
