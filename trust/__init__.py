"""Sender trust: is an email from a source we trust, and how far is its booking proven?

Decided on what SES stored (its ``Authentication-Results`` on top of the raw email), before any
body is read as a booking. Imports no AWS client: the worker fetches, this decides.
"""
