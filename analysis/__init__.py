"""Tættere På Job evaluation: data contracts, register panel, models and disclosure control."""
