"""Scale and resilience: the bulk data generator, catastrophe intake, capacity simulation."""
