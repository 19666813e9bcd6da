"""What the engine keeps beside the math: past states, histories, checkpoints of a trainer's
state, and the bytes a session holds."""
