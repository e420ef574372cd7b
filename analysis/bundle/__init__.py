"""The statistics bundle: the boundary between the compute stage (microdata) and the render
stage (the book). See analysis/bundle/store.py for the files and their columns."""
