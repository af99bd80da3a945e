"""`obskit report`: static HTML pages drawing each dashboard with data, and a semantic diff."""
