from benchmon_pipeline.cli.main import cli

cli()
