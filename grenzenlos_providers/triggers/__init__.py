"""The triggers of the waits the deliveries hand to Airflow's triggerer (deferral), so
that no worker slot is held while a marketplace processes a feed. They live in the
installed package, where the triggerer imports them from."""
