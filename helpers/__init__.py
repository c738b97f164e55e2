"""Shared code for the Bs-prediction notebooks: data, features, split, model, metrics, plots."""
