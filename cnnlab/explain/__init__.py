"""The arithmetic behind each idea a CNN tutorial teaches, small enough to show a step at a time.

Pure NumPy, no TensorFlow and no Streamlit, so every number the Learn pages show can be computed
(and checked against Keras) in a test or a notebook:

- `windows`: where a kernel or pooling window lands: output sizes, padding, the size formula.
- `convolution`: `convolve(image, kernel, stride, padding, dilation)`, with each position's
  window, products and sum; the hand-made kernels (blur, Sobel...).
- `pooling`: max and average pooling, with each window and its winning cell.
- `activation`: ReLU, leaky ReLU, tanh, sigmoid, as Keras computes them.
- `receptive_field`: which patch of the input one cell of a layer can see, from the layer specs.
- `softmax`: softmax with a temperature, one-hot vectors, cross-entropy loss.
- `augmentation`: the random shifts and flips a training run applies, as pictures.
- `pictures`: test pictures, and pictures as the network sees them (0..1).
- `network`: the same ideas on a trained Keras model (imports TensorFlow, lazily).
"""
from cnnlab.explain.activation import ACTIVATION_FUNCTIONS, activate
from cnnlab.explain.convolution import HAND_MADE_KERNELS, Convolution, convolve, parse_kernel
from cnnlab.explain.pooling import Pooling, pool
from cnnlab.explain.receptive_field import FieldLayer, Patch, closed_form_size, field_layers, patch_of_cell
from cnnlab.explain.softmax import cross_entropy, one_hot, softmax
from cnnlab.explain.windows import ExplainError, output_size, padding_amounts, size_formula

__all__ = ["ACTIVATION_FUNCTIONS", "Convolution", "ExplainError", "FieldLayer", "HAND_MADE_KERNELS", "Patch",
           "Pooling", "activate", "closed_form_size", "convolve", "cross_entropy", "field_layers", "one_hot",
           "output_size", "padding_amounts", "parse_kernel", "patch_of_cell", "pool", "size_formula", "softmax"]
