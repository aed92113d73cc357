"""Analytics: KPI facts, the Parquet snapshot the dashboards read, reserve analyses."""
