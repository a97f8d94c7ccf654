"""Write the small test fixture of real MNIST and Fashion-MNIST images.

Run from the repository root:

  python tools/make_fixture.py

For each dataset it loads the full data with `tfgan_mnist.data.load_arrays`
(downloading it into the cache if needed) and writes the first 512 training
and the first 128 test images and labels, in their original order, as the
four gzipped IDX files under tests/data/<dataset>/. The output is
byte-for-byte reproducible, so rerunning it leaves the fixture unchanged.
"""

import argparse
import os
import pathlib
import sys

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tfgan_mnist import data  # noqa: E402

NUM_TRAIN = 512
NUM_TEST = 128


def write_fixture(dataset: str, out_dir: pathlib.Path, data_dir: str | None) -> None:
    """Write the first NUM_TRAIN / NUM_TEST examples of `dataset` to out_dir/dataset."""
    arrays = data.load_arrays(dataset, data_dir=data_dir or data.default_data_dir())
    if arrays.source.startswith("TFDS"):
        # TFDS reorders the examples; the fixture is the original files' head.
        raise data.DataError(f"{dataset}: got a TFDS copy, whose example order is not the "
                             "original one; pass --data_dir with the IDX files instead")
    print(f"{dataset}: read from {arrays.source}")
    parts = {
        "train_images": arrays.train_images[:NUM_TRAIN],
        "train_labels": arrays.train_labels[:NUM_TRAIN],
        "test_images": arrays.test_images[:NUM_TEST],
        "test_labels": arrays.test_labels[:NUM_TEST],
    }
    folder = out_dir / dataset
    for role, array in parts.items():
        path = folder / (data.IDX_NAMES[role] + ".gz")
        # IDX stores labels as unsigned bytes.
        data.write_idx(path, array.astype("uint8"))
        print(f"  wrote {path.relative_to(REPO_ROOT) if path.is_relative_to(REPO_ROOT) else path}"
              f" ({os.path.getsize(path)} bytes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out_dir", type=pathlib.Path, default=REPO_ROOT / "tests" / "data",
                        help="Where to write <dataset>/<idx files>.gz.")
    parser.add_argument("--data_dir", default=None,
                        help="Where the full datasets are; default: the data layer's cache.")
    args = parser.parse_args()
    try:
        for dataset in data.idx_family():
            write_fixture(dataset, args.out_dir, args.data_dir)
    except data.DataError as error:
        sys.exit(f"error: {error}")


if __name__ == "__main__":
    main()
