"""Raw MIME → BookingEvent, or NotABooking, or a ParseError. Pure: no I/O."""
