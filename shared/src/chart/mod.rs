//! Charts: the model, loading from folders and archives, .helmignore, Chart.yaml checks.
