"""Pool results leaving clipcrowd as files: streamed in chunks, never built whole in memory."""
