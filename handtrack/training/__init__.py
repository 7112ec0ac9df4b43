"""Training the PWR network on synthetic hands (needs the ``train`` extra)."""
