-- The daily trend of one model's metric (the dashboard's Trends tab, the report, the API's
-- get_time_series) reads only this index: the rows of (model, metric) over a range of days,
-- with every column the series needs, so no heap page is visited. The (model_version, day)
-- index read every metric's rows of the model from the heap and dropped three in four
-- (benchmarks/bench_dashboard.py: 1,500 rows of one model's 30 days, 8.2 -> 4.4 ms).
CREATE INDEX daily_performance_trends_model_metric_day
    ON daily_performance_trends (model_version, metric, day)
    INCLUDE (dataset_version, prompt_version, environment, branch_name, sample_count, mean,
             min, max);
