"""Real stand-ins the tests plug into the worker: recording publishers, a test mail reader."""
