"""One router per resource: sessions, phases, inspection, scenarios, the graph lab, health and
the pages."""
