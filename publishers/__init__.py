"""One module per downstream system; each makes its system match a Booking."""
