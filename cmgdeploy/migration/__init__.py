"""The ``migrate`` state machine's parts: the journal (tags) and the sources it retires."""
