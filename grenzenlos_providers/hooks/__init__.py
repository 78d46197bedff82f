"""The hooks of the connection types `grenzenlos_providers` registers."""
