"""One module per ``charterhand`` subcommand."""
