"""Privacy Guard: watch smart speakers and cut them off when privacy is wanted."""
