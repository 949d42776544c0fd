"""The datasets cnnlab teaches with, and one reader for each file format they come in.

Named datasets (`DATASET_NAMES`), plus any folder of your own images as "folder:PATH":

    mnist-sample, fashion-sample   small samples of real data bundled inside cnnlab: work offline
    mnist, fashion-mnist, cifar10  the full datasets, from the data folder, Keras's cache or a download

The modules, one idea each:
    registry   what each named dataset is; the Dataset that holds one
    idx        MNIST / Fashion-MNIST files (IDX, Keras's mnist.npz)
    cifar      CIFAR-10 files (Python batches, the .tar.gz, or JPEGs in class folders)
    folders    folders of image files, one subfolder per class
    cache      decoded pictures kept on disk beside their image files
    download   fetching the full datasets
    loading    finding the files, reading them, and sharing what was loaded (load_dataset)

This package's names below are its public interface: import them from `cnnlab.datasets`.
"""
from cnnlab.datasets.download import download_size
from cnnlab.datasets.folders import DEFAULT_IMAGE_SIZE
from cnnlab.datasets.loading import (
    availability,
    catalogue,
    clear_cache,
    dataset_info,
    keras_cache_dir,
    load_dataset,
    unreachable,
)
from cnnlab.datasets.registry import (
                                     CIFAR10_CLASSES,
                                     DATASET_NAMES,
                                     DATASETS,
                                     DEFAULT_DATASET,
                                     DIGIT_CLASSES,
                                     FASHION_CLASSES,
                                     FOLDER_PREFIX,
                                     SAMPLES_DIR,
                                     Dataset,
                                     DatasetError,
                                     DatasetInfo,
                                     Progress,
                                     list_datasets,
)

__all__ = ["CIFAR10_CLASSES", "DATASETS", "DATASET_NAMES", "DEFAULT_DATASET", "DEFAULT_IMAGE_SIZE", "DIGIT_CLASSES",
           "FASHION_CLASSES", "FOLDER_PREFIX", "SAMPLES_DIR", "Dataset", "DatasetError", "DatasetInfo", "Progress",
           "availability", "catalogue", "clear_cache", "dataset_info", "download_size", "keras_cache_dir",
           "list_datasets", "load_dataset", "unreachable"]
