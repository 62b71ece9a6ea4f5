"""Reports: what the pipeline tells people, downstream of the checks."""
