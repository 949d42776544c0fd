"""cnnlab: an interactive lab for learning how convolutional neural networks classify images.

The core library (everything in this package except `cnnlab.ui`) never imports Streamlit and
imports TensorFlow only when a model is built or trained, so it is quick to import from a
notebook, the command line, a test or a worker.
"""

__version__ = "0.1.0"
