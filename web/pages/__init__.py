"""One module per page group: its routes and what its templates show."""
