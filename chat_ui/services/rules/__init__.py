"""Pure rules for names, passwords and CAPTCHAs."""
