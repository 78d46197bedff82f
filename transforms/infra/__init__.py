"""What every step stands on: storage (local folders and object storage), which failures
a retry can heal, and the run-level gates that refuse to publish a collapsed catalog."""
