"""The dev stack: moto, the sandbox calendar and SCC, the site, the SES simulator, the demo.

Not in the worker image. Its sample emails are its own (``emails/``), not the tests' fixtures.
"""

from pathlib import Path

#: the sample emails the demo ingests and ``charterhand ingest --samples`` sends
SAMPLE_EMAILS = Path(__file__).resolve().parent / "emails"
