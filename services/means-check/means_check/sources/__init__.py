"""The departments' data sources (ANY-MEANS-SOURCES): one adapter interface, eleven sources."""
