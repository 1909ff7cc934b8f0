"""Pure survey engine for Pulse: instruments as versioned data, scoring and aggregation over
numpy arrays, and the privacy suppression that decides which groups may be published.

No Django imports here. The Django side (kith.pulse) turns waves and responses into arrays,
calls these functions, and stores only what they allow.
"""
