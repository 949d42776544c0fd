"""The Streamlit side of cnnlab: the only part of the package that imports streamlit."""

# Imported here, before any training thread can start: importing TensorFlow in a training thread
# imports pandas too, and a page drawing a Plotly chart at that moment would see a half-imported
# pandas ("partially initialized module 'pandas' has no attribute 'Series"). Streamlit's tables
# need pandas anyway.
import pandas  # noqa: F401
