"""The books' frame: companies, the chart, fiscal years and their periods, journals."""
