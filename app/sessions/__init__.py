"""Learners' sessions: the Session, its configuration, the store interface with its in-memory
and Redis implementations, the compute thread and each session's turns."""
