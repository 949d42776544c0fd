"""Pure functions from data to Plotly figures, one module per topic (data, network, training,
inspection). No Streamlit here, so figures can be made and checked in tests and notebooks."""
