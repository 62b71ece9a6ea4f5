import os

import dagster as dg

START_DATE_VAR = "BENCHMON_TRENDS_START_DATE"

daily_partitions = dg.DailyPartitionsDefinition(
    start_date=os.environ.get(START_DATE_VAR, "2024-01-01"),
    timezone="UTC",
    end_offset=1,  # today's partition exists, so today's results have a home
)
