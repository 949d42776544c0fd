"""The tutorials' networks, as layer stacks with their training defaults and published results."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Preset:
    id: str
    title: str
    description: str
    layers: list[dict]  # shared by every caller: copy (copy.deepcopy) before editing
    optimizer: str
    learning_rate: float
    batch_size: int
    epochs: int
    validation_split: float = 0.1
    dataset: str = "mnist"  # the dataset its tutorial trains on
    published: str | None = None  # the tutorial's reported result, to compare against
    # Training settings beyond the tutorials' (the modern presets use them; see TrainConfig).
    lr_schedule: str = "constant"
    augment_shift: float = 0.0
    augment_flip: bool = False
    epochs_by_dataset: dict[str, int] = field(default_factory=dict)  # where `epochs` is not right


def _conv_spec(filters, kernel, padding="valid", activation="relu", stride=1):
    return {"type": "conv", "filters": filters, "kernel": kernel, "stride": stride, "padding": padding,
            "activation": activation}


def _dense_spec(units, activation="relu"):
    return {"type": "dense", "units": units, "activation": activation}


_MAXPOOL = {"type": "maxpool", "size": 2, "stride": None, "padding": "valid"}
_AVGPOOL = {"type": "avgpool", "size": 2, "stride": None, "padding": "valid"}
_FLATTEN = {"type": "flatten"}
_BN = {"type": "batchnorm"}
_GAP = {"type": "gap"}


def _dropout(rate):
    return {"type": "dropout", "rate": rate}


_PRESET_LIST = [
    Preset(
        "lenet5", "LeNet-5",
        "LeNet-5 is the network Yann LeCun and colleagues built in 1998 to read handwritten digits on "
        "bank cheques, one of the first CNNs put to real use. Two convolution layers (6, then 16 filters "
        "of 5x5), each followed by average pooling, turn the 28x28 image into 16 feature maps of 7x7; "
        "three dense layers (120, 84, 10) then decide the class. This version follows a modern tutorial "
        "(ReLU instead of tanh, 'same' padding, Adam). Notice where the 107,786 parameters are: 94,200 "
        "in the first dense layer and only 2,572 in both convolutions, because a filter reuses the same "
        "few weights at every position of the image.",
        [_conv_spec(6, 5, "same"), _AVGPOOL, _conv_spec(16, 5, "same"), _AVGPOOL, _FLATTEN,
         _dense_spec(120), _dense_spec(84)],
        "adam", 0.001, 32, 30, dataset="fashion-mnist",
        published="90.67% test accuracy on Fashion-MNIST",
    ),
    Preset(
        "mnist-basic", "Basic MNIST CNN",
        "The smallest useful CNN, from a popular beginner tutorial: one convolution layer of 28 filters "
        "of 3x3, one max-pooling layer, then a dense layer of 128 units with a little dropout. Notice "
        "how far a single convolution layer gets on handwritten digits (about 98.7% of test digits "
        "right), and that almost all of its 600,000 parameters sit in the dense layer that reads the "
        "13x13x28 flattened feature maps.",
        [_conv_spec(28, 3), _MAXPOOL, _FLATTEN, _dense_spec(128), _dropout(0.2)],
        "adam", 0.001, 32, 10, dataset="mnist",
        published="98.73% test accuracy on MNIST",
    ),
    Preset(
        "cifar-basic", "Basic CIFAR-10 CNN",
        "The classic first CNN for CIFAR-10's small colour photos (planes, cars, birds, cats...): two "
        "blocks of convolution and max pooling (32, then 64 filters of 3x3) and a dense layer of 128 with "
        "dropout. Photos are much harder than digits: expect well under 75%. Notice the gap that opens "
        "between training and validation accuracy after a few epochs: without data augmentation a "
        "network this size starts memorising its training images (overfitting).",
        [_conv_spec(32, 3), _MAXPOOL, _conv_spec(64, 3), _MAXPOOL, _FLATTEN, _dense_spec(128), _dropout(0.2)],
        "adam", 0.001, 64, 10, validation_split=0.2, dataset="cifar10",
    ),
    Preset(
        "tf-tutorial", "TensorFlow tutorial CNN",
        "The CNN from TensorFlow's official 'Convolutional Neural Network' tutorial: three convolution "
        "layers (32, 64, 64 filters of 3x3) with max pooling between them, then a dense layer of 64: "
        "122,570 parameters. Notice the pattern nearly every CNN follows: width and height shrink "
        "(32, 30, 15, 13, 6, 4) while the number of channels grows (3, 32, 64), trading where a feature "
        "is for what it is.",
        [_conv_spec(32, 3), _MAXPOOL, _conv_spec(64, 3), _MAXPOOL, _conv_spec(64, 3), _FLATTEN, _dense_spec(64)],
        "adam", 0.001, 32, 10, dataset="cifar10",
        published="about 70% test accuracy on CIFAR-10",
    ),
    Preset(
        "fashion-bn", "Fashion-MNIST with batch normalization",
        "A Fashion-MNIST network that normalises each block's input with batch normalization and uses "
        "generous dropout (0.25 after each of its two convolution blocks, 0.5 before the output). It is "
        "trained with plain SGD, large batches of 256 and only 5 epochs. Notice how batch normalization "
        "lets simple SGD make progress in few epochs, and how the heavy dropout keeps training and "
        "validation accuracy close together.",
        [_BN, _conv_spec(32, 3, "same"), _MAXPOOL, _dropout(0.25), _BN, _conv_spec(32, 3, "same"), _MAXPOOL,
         _dropout(0.25), _FLATTEN, _dense_spec(128), _dropout(0.5)],
        "sgd", 0.01, 256, 5, validation_split=0.2, dataset="fashion-mnist",
    ),
    # Modern presets: built for accuracy per second on a 2-core laptop CPU, not copied from a tutorial.
    # Batch normalization sits after pooling (4x fewer values to normalise than after the conv),
    # which on a CPU is most of the cost of a layer this small.
    Preset(
        "fast-cnn", "Fast modern CNN",
        "A small network in today's style, tuned to learn quickly on a laptop: three blocks of "
        "3x3 convolution ('same' padding), max pooling and batch normalization, with 16, 32 and 64 "
        "filters, then a dense layer of 128 with dropout. Batch normalization keeps each layer's "
        "inputs on a steady scale, so Adam can start with a learning rate three times the usual 0.001; "
        "a cosine schedule then lowers it smoothly to zero by the last batch, so the last steps are "
        "small ones that settle the weights. It reaches 99% on MNIST in two or three epochs, and 91% on "
        "Fashion-MNIST in about four of its eight epochs there. Notice how few parameters it needs "
        "(under 100,000, fewer than LeNet-5) because each pooling step shrinks the image before the "
        "dense layer.",
        [_conv_spec(16, 3, "same"), _MAXPOOL, _BN, _conv_spec(32, 3, "same"), _MAXPOOL, _BN,
         _conv_spec(64, 3, "same"), _MAXPOOL, _BN, _FLATTEN, _dropout(0.2), _dense_spec(128), _dropout(0.3)],
        "adam", 0.003, 128, 3, dataset="mnist", lr_schedule="cosine",
        # Clothes are harder than digits: a longer schedule (measured: bench/RESULTS.md).
        epochs_by_dataset={"fashion-mnist": 8, "fashion-sample": 8, "cifar10": 15},
    ),
    Preset(
        "fast-cnn-wide", "Fast modern CNN, wider (for photos)",
        "The fast modern CNN with twice as many filters in every block (32, 64, 128), the usual "
        "VGG-style widths, for colour photos such as CIFAR-10 where more patterns are worth learning. "
        "Each block is convolution, max pooling and batch normalization; a dense layer of 128 with "
        "dropout decides the class. Every epoch it sees each photo shifted by up to 10% and, half the "
        "time, mirrored: this data augmentation keeps it from memorising the 50,000 training photos, "
        "and the learning rate glides down on a cosine curve over its 15 epochs. Notice that doubling "
        "the filters roughly quadruples the work per image, so each epoch takes about twice as long "
        "as the narrow version.",
        [_conv_spec(32, 3, "same"), _MAXPOOL, _BN, _conv_spec(64, 3, "same"), _MAXPOOL, _BN,
         _conv_spec(128, 3, "same"), _MAXPOOL, _BN, _FLATTEN, _dropout(0.3), _dense_spec(128), _dropout(0.3)],
        "adam", 0.003, 128, 15, dataset="cifar10", lr_schedule="cosine", augment_shift=0.1, augment_flip=True,
        epochs_by_dataset={"mnist": 3, "mnist-sample": 3, "fashion-mnist": 8, "fashion-sample": 8},
    ),
]

PRESETS: dict[str, Preset] = {preset.id: preset for preset in _PRESET_LIST}
