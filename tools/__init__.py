"""The architect's tools: plain functions over an open psycopg connection, no MCP inside."""
