"""Write a dataset's images out as PNG files, one folder per class: a folder to try --images on.

    python tools/image_folder.py --dataset=fashion_mnist --count=2000 --out=runs/my_images
    python -m tfgan_mnist.main --flagfile=configs/quick_mnist.flags --images=runs/my_images \\
        --workdir=runs/my_images-run --train_minutes=5

The first `--count` training images (default 2,000) are written as
<out>/<class name>/<index>.png (grey, or RGB for colour datasets), the way a
folder of one's own pictures is usually sorted. `--nolabels` writes them all
into <out>/ instead, for unlabelled training. An existing --out is refused:
the tool writes only into a folder it creates.
"""

import argparse
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO_ROOT)

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from tfgan_mnist import data, datasets  # noqa: E402


def write_folder(images, labels, class_names, out, labelled=True):
    """Write uint8 images ((n, H, W) or (n, H, W, 3)) as PNG files; return the count."""
    os.makedirs(out)
    for index, (image, label) in enumerate(zip(images, labels)):
        folder = os.path.join(out, class_names[label]) if labelled else out
        os.makedirs(folder, exist_ok=True)
        Image.fromarray(np.asarray(image)).save(os.path.join(folder, f"{index:05d}.png"))
    return len(images)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="fashion_mnist", choices=datasets.names())
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--out", required=True)
    parser.add_argument("--data_dir", default=None)
    parser.add_argument("--nolabels", action="store_true")
    args = parser.parse_args()
    if os.path.exists(args.out):
        parser.error(f"--out={args.out} exists; give a new folder (this tool writes only into "
                     "a folder it creates)")
    arrays = data.load_arrays(args.dataset, args.data_dir)
    names = [name.replace("/", "-") for name in datasets.get(args.dataset).class_names]
    count = write_folder(arrays.train_images[:args.count], arrays.train_labels[:args.count],
                         names, args.out, labelled=not args.nolabels)
    print(f"wrote {count} {args.dataset} training images to {args.out}/"
          + ("" if args.nolabels else f" in {len(set(arrays.train_labels[:args.count]))} "
             "class folders"))


if __name__ == "__main__":
    main()
