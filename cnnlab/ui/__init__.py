"""The Streamlit side of cnnlab: the only part of the package that imports streamlit."""
