"""MCP wiring, configuration, transports and the database connection of pgarchitect."""
