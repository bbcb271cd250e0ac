"""Services: every rule and every unit of work (check, write, publish). No UI."""
