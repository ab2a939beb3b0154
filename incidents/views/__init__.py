"""Views of incidents: reporting, the queue, the case page and takedowns, and the record pages."""
